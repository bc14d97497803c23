"""The ``sordino`` command line."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from sordino.cli import profile
from sordino.config import get_settings
from sordino.db import Database

app = typer.Typer(
    help="sordino: self-hosted application security.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
token_app = typer.Typer(help="Access tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
console = Console()
err = Console(stderr=True)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    """sordino: self-hosted application security."""
    from sordino.logs import configure

    settings = get_settings()
    level = "DEBUG" if verbose else os.environ.get("SORDINO_LOG_LEVEL", "WARNING")
    configure(settings.log_format, level)


def database() -> Database:
    """The configured database, migrated to the latest schema."""
    # Unpooled: a command ends soon, and must not leave connections open.
    db = Database(get_settings().resolved_database_url, pooled=False)
    db.upgrade()
    return db


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations."""
    db = database()
    url = db.engine.url.render_as_string()
    console.print(f"database at {url} is up to date", soft_wrap=True)


@app.command()
def init(
    org_name: Annotated[str, typer.Option(help="Name of the first org.")] = "default",
    email: Annotated[str, typer.Option(help="Email of the Super Admin.")] = (
        "admin@localhost"
    ),
    server: Annotated[str, typer.Option(help="URL the API will be served at.")] = (
        "http://127.0.0.1:8080"
    ),
) -> None:
    """Create the first org, its Super Admin and a token; save them to the profile."""
    from sordino.orgs import service as orgs

    settings = get_settings()
    with database().session() as session:
        existing = orgs.first_org(session)
        if existing is not None:
            err.print(
                f"an org already exists ({existing.id}); "
                "use 'sordino token create' for another token"
            )
            raise typer.Exit(1)
        made = orgs.create(
            session,
            name=org_name,
            email=email,
            key=settings.signing_key(),
            issuer=settings.issuer,
        )
    file = profile.save(
        profile.Profile(org_id=made.org.id, token=made.token.value, server=server)
    )
    console.print(f"org:   {made.org.id} ({made.org.name})")
    console.print(f"user:  {made.user.email} (Super Admin)")
    typer.echo(f"token: {made.token.value}")
    console.print(f"saved to {file}")


WORKER_STARTUP_SECONDS = 120
# Longer than the idle timeout of the load balancers sordino sits behind (60 s
# is common): a backend that closes an idle connection first races the
# balancer's next request on it, which the client sees as a dropped request.
KEEP_ALIVE_SECONDS = 75


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8080,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    tls_cert: Annotated[str | None, typer.Option(help="PEM certificate.")] = None,
    tls_key: Annotated[str | None, typer.Option(help="PEM private key.")] = None,
) -> None:
    """Serve the API under /api/v4."""
    import uvicorn

    database()
    settings = get_settings()
    uvicorn.run(
        "sordino.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        proxy_headers=settings.trust_proxy_headers,
        forwarded_allow_ips="*" if settings.trust_proxy_headers else None,
        log_level=settings.log_level.lower(),
        # A worker builds the app (imports, migration check) before it answers
        # the supervisor's ping; on a busy small machine that takes longer than
        # uvicorn's 5 s, and the workers were killed and respawned forever.
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="Role id or alias, e.g. MEMBER.")],
    label: Annotated[str, typer.Option()] = "created on the command line",
    valid_for: Annotated[
        int | None, typer.Option(help="Lifetime in seconds.", min=1)
    ] = None,
    email: Annotated[str | None, typer.Option(help="User (default: an admin).")] = None,
) -> None:
    """Issue a token for a user of the first org."""
    from sordino.cli import admin

    typer.echo(admin.create_token(database(), role, label, valid_for, email))


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke a token by id."""
    from sordino.cli import admin

    if not admin.revoke_token(database(), token_id):
        err.print(f"no live token with id {token_id}")
        raise typer.Exit(1)
    console.print(f"revoked {token_id}")


def register() -> None:
    """Attach the commands that live in other modules."""
    from sordino.cli import commands

    commands.register(app)


register()
