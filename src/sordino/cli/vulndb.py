"""``sordino vulndb``: load OSV advisories and say what is loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sordino.vulndb.service import ImportStats, VulnDbError, VulnDbStatus
from sordino.vulndb.service import import_path as import_advisories
from sordino.vulndb.service import status as vulndb_status

vulndb_app = typer.Typer(help="The local vulnerability database (OSV advisories).")
console = Console()


@vulndb_app.command("import")
def import_command(
    source: Annotated[
        Path, typer.Argument(help="A zip, a folder, or one .json/.yaml advisory file.")
    ],
) -> None:
    """Load advisories, skipping those whose content is unchanged.

    Exits 1 when a file could not be read or is not valid OSV; the readable
    advisories are loaded all the same.
    """
    from sordino.cli.main import database

    db = database()
    try:
        with db.session() as session:
            stats = import_advisories(session, source)
    except VulnDbError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(code=1) from exc
    _print_import(stats)
    if stats.errors:
        raise typer.Exit(code=1)


def _print_import(stats: ImportStats) -> None:
    console.print(
        f"read {stats.read} advisories from {stats.source} in {stats.seconds:.1f}s: "
        f"{stats.inserted} new, {stats.updated} updated, "
        f"{stats.unchanged} unchanged, {len(stats.errors)} unreadable",
        soft_wrap=True,
    )
    for error in stats.errors[:20]:
        console.print(f"  skipped {error}", soft_wrap=True, markup=False)
    if len(stats.errors) > 20:
        console.print(f"  ... and {len(stats.errors) - 20} more", soft_wrap=True)


@vulndb_app.command("status")
def status_command() -> None:
    """Advisories loaded per ecosystem, and how old the data is."""
    from sordino.cli.main import database

    db = database()
    with db.session() as session:
        current = vulndb_status(session)
    _print_status(current, dt.datetime.now(dt.UTC).replace(tzinfo=None))


def _age(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "never"
    naive = moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
    days = (now - naive).days
    when = naive.strftime("%Y-%m-%d %H:%M UTC")
    return f"{when} ({days} days ago)" if days > 0 else f"{when} (today)"


def _print_status(current: VulnDbStatus, now: dt.datetime) -> None:
    if current.empty:
        console.print(
            "no advisories loaded: run 'sordino vulndb import FILE|DIR' "
            "(dependencies are not checked for vulnerabilities until then)",
            soft_wrap=True,
        )
        return
    table = Table("ecosystem", "advisories")
    for ecosystem, count in current.by_ecosystem.items():
        table.add_row(ecosystem or "(none)", str(count))
    console.print(table)
    console.print(
        f"{current.total} advisories ({current.withdrawn} withdrawn) from "
        f"{current.imports} imports",
        soft_wrap=True,
    )
    console.print(f"last import: {_age(current.last_import, now)}", soft_wrap=True)
    console.print(
        f"newest advisory change: {_age(current.newest_modified, now)}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``vulndb import`` and ``vulndb status`` to the command line."""
    app.add_typer(vulndb_app, name="vulndb")
