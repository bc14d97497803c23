"""``sordino check``: gate a build on the findings of the latest scan.

``--app`` names a compound (``sordino analyze`` of a tree with several
languages makes one named after its ``--app``) or an app; a compound is checked
over the member scans of its latest polyglot scan.

The check runs against the embedded database by default, or against a server
with ``--server`` or ``SORDINO_SERVER``, as ``sordino analyze`` does (the token
comes from ``--token``, ``SORDINO_TOKEN`` or the profile).
It prints one row per rule and exits with status 1 when any rule has more
matching findings than its threshold, 2 when the check could not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sordino.checks import policies
from sordino.checks.schemas import DEFAULT_CONFIG, CheckConfig, ScanSelector
from sordino.cli import profile, target
from sordino.cli.target import Server, TargetError

console = Console()
err = Console(stderr=True)
FAILED = 1
BROKEN = 2


def register(app: typer.Typer) -> None:
    """Add ``check`` to the CLI."""
    app.command("check")(check)


def load_config(file: Path | None) -> CheckConfig:
    """The rules from a YAML file, or the default: no new critical finding."""
    if file is None:
        return DEFAULT_CONFIG.model_copy(deep=True)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CheckFailed(f"cannot read {file}: {exc.strerror}") from exc
    try:
        return policies.parse(text)
    except policies.PolicyError as exc:
        raise CheckFailed("; ".join([str(exc), *exc.problems])) from exc


class CheckFailed(Exception):
    """The check could not be run; the message says why."""


def on_server(server: Server, app: str, config: CheckConfig) -> dict[str, Any]:
    """Ask a sordino server to run the check."""
    body = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    try:
        result = server.send("POST", f"/orgs/{{org}}/apps/{app}/scans/check", json=body)
    except TargetError as exc:
        raise CheckFailed(f"{server.url} refused the check: {exc}") from exc
    if not isinstance(result, dict):
        raise CheckFailed(f"{server.url} answered with no check result")
    return result


def embedded(name: str, config: CheckConfig) -> dict[str, Any]:
    """Run the check on the local database and store its result there.

    ``name`` is a compound (what ``sordino analyze`` makes of a tree with several
    languages) or, when no compound has that name, an app.
    """
    from sordino.apps import service as apps
    from sordino.checks import compound as compound_checks
    from sordino.checks import service as checks
    from sordino.cli.main import database
    from sordino.orgs import service as orgs

    with database().session() as session:
        saved = profile.load()
        org_id = saved.org_id if saved else None
        if org_id is None:
            first = orgs.first_org(session)
            org_id = first.id if first else ""
        try:
            compound = compound_checks.find(session, org_id, name)
            if compound is not None:
                return compound_checks.run(session, compound, config)
            app = apps.get_by_app_id(session, org_id, name)
            if app is None:
                raise CheckFailed(f"no app named {name!r} (and no compound)")
            return checks.run(session, app, config).result
        except checks.CheckError as exc:
            raise CheckFailed(str(exc)) from exc


def _caption(result: dict[str, Any], kind_of_check: str) -> str:
    """Which scans were compared, for the table's caption."""
    target = result["target"]
    kind = "polyglot scan" if "scans" in target else "scan"
    text = f"{kind} {target['id']}"
    source = result.get("source")
    if source:
        return f"{text} against {kind} {source['id']}"
    if kind_of_check == "single":
        return f"{text}, every finding"
    return f"{text} (no earlier scan to compare with)"


def render(config: CheckConfig, result: dict[str, Any]) -> bool:
    """Print the rules table; True when every rule passed."""
    table = Table(title="check analysis", caption=_caption(result, config.meta.kind))
    for column in ("rule", "threshold", "found", "result"):
        table.add_column(column)
    thresholds = {rule.id: rule.threshold for rule in config.rules}
    passed = True
    for rule_id, summary in result["rules"].items():
        over = summary["over_threshold"] > 0
        passed = passed and not over
        limit = thresholds.get(rule_id)
        table.add_row(
            rule_id,
            "-" if limit is None else str(limit),
            str(summary["matched"]),
            "[red]FAIL[/red]" if over else "[green]pass[/green]",
        )
    console.print(table)
    for rule_id, summary in result["rules"].items():
        if summary["over_threshold"] > 0:
            for finding in summary["findings"]:
                console.print(
                    f"  {rule_id}: #{finding['id']} {finding['title']}", soft_wrap=True
                )
            hidden = summary["matched"] - len(summary["findings"])
            if hidden > 0:
                console.print(f"  {rule_id}: ... and {hidden} more", soft_wrap=True)
    return passed


def check(
    app: Annotated[str, typer.Option("--app", help="The compound or app to check.")],
    config: Annotated[
        Path | None, typer.Option("--config", help="Rules (YAML, version 2).")
    ] = None,
    branch: Annotated[
        str | None, typer.Option(help="Check the latest scan of this branch.")
    ] = None,
    base: Annotated[
        str | None, typer.Option(help="Compare with the latest scan of this branch.")
    ] = None,
    server: Annotated[
        str | None, typer.Option(help="A sordino server URL (or SORDINO_SERVER).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help="Token for the server (or SORDINO_TOKEN, or the profile)."),
    ] = None,
) -> None:
    """Fail (exit 1) when a rule finds more findings than its threshold."""
    try:
        rules = load_config(config)
        if branch and rules.target is None:
            rules.target = ScanSelector(branch=branch)
        if base and rules.source is None:
            rules.source = ScanSelector(branch=base)
        remote = target.resolve(server, token)
        result = on_server(remote, app, rules) if remote else embedded(app, rules)
    except CheckFailed as exc:
        err.print(f"check could not run: {exc}")
        raise typer.Exit(BROKEN) from exc
    if not render(rules, result):
        raise typer.Exit(FAILED)
