"""``sordino user``: manage the users of the first org from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from sordino.db import Database
from sordino.orgs import service as orgs
from sordino.rbac import service

user_app = typer.Typer(help="Users of the org.", no_args_is_help=True)


def add_user(db: Database, email: str, role: str, name: str = "") -> str:
    """Add a user to the first org; return a line describing it."""
    with db.session() as session:
        org = orgs.first_org(session)
        if org is None:
            raise typer.BadParameter("no org yet: run 'sordino init' first")
        try:
            user = service.add_user(session, org.id, email, role, name)
        except service.RbacError as exc:
            raise typer.BadParameter(str(exc)) from exc
        return f"user {user.id} <{user.email}> added to org {org.id}"


@user_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    role: Annotated[
        str, typer.Option(help="Org role: alias (MEMBER, SUPER_ADMIN...) or id.")
    ] = "MEMBER",
    name: Annotated[str, typer.Option(help="Display name (default: email).")] = "",
) -> None:
    """Add a user to the org with an org role."""
    from sordino.cli.main import database

    typer.echo(add_user(database(), email, role, name))


def register(app: typer.Typer) -> None:
    """Attach ``sordino user`` to the main command."""
    app.add_typer(user_app, name="user")
