"""``sordino findings``: show the findings of an app's latest scan."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from sordino.cli.analyze import ServerOpt, TokenOpt
from sordino.cli.target import TargetError, embedded, resolve

console = Console()
err = Console(stderr=True)
RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _embedded_findings(app_id: str, limit: int) -> list[dict[str, Any]]:
    from sordino.apps.models import App
    from sordino.findings.models import Finding, Occurrence
    from sordino.scans.models import Scan

    db, org_id = embedded()
    with db.session() as session:
        app = session.scalar(
            select(App).where(App.org_id == org_id, App.app_id == app_id)
        )
        if app is None:
            return []
        scan_id = session.scalar(
            select(Scan.id)
            .where(Scan.app_pk == app.pk)
            .order_by(Scan.id.desc())
            .limit(1)
        )
        rows = session.scalars(
            select(Finding)
            .join(Occurrence, Occurrence.finding_id == Finding.id)
            .where(Occurrence.scan_id == scan_id)
        ).all()
        return [
            {
                "id": str(f.id),
                "type": f.type,
                "severity": f.severity,
                "category": f.category,
                "title": f.title,
                "location": f"{f.file}:{f.line}" if f.file else "",
                "status": f.status or "unset",
            }
            for f in sorted(rows, key=lambda f: (RANK.get(f.severity, 9), f.id))[:limit]
        ]


def _server_findings(target: Any, app_id: str, limit: int) -> list[dict[str, Any]]:
    response = target.send(
        "GET",
        f"/orgs/{{org}}/apps/{app_id}/findings",
        params={"per_page": min(limit, 250), "sort": "severity"},
    )
    result = []
    for finding in (response or {}).get("findings", []):
        details = finding.get("details", {})
        location = (details.get("file_locations") or [""])[0] or (
            f"{details.get('fileName', '')}:{details.get('lineNumber', '')}"
            if details.get("fileName")
            else ""
        )
        result.append({**finding, "location": location})
    return result[:limit]


def findings(
    app: Annotated[str, typer.Option(help="App id.")],
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Show the findings of the app's latest scan, most severe first."""
    target = resolve(server, token)
    try:
        rows = (
            _embedded_findings(app, limit)
            if target is None
            else _server_findings(target, app, limit)
        )
    except TargetError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(3) from exc
    if not rows:
        err.print(f"no findings for app {app!r} (is it scanned?)")
        raise typer.Exit(1)
    table = Table(title=f"Findings of {app}")
    for column in ("id", "severity", "type", "category", "title", "location", "status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["id"],
            row["severity"],
            row["type"],
            row.get("category", ""),
            row["title"][:80],
            row.get("location", ""),
            row.get("status", ""),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``findings`` to the command line."""
    app.command("findings")(findings)
