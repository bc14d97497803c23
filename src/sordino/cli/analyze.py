"""``sordino analyze`` and ``sordino import``: produce scans and store them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sordino.cli import summary
from sordino.cli.target import (
    Server,
    TargetError,
    embedded,
    read_scans_embedded,
    resolve,
    store_embedded,
)
from sordino.common import APP_ID_PATTERN
from sordino.ingest.bundle import EngineFailure, ScanBundle

console = Console()
err = Console(stderr=True)
# Progress states; any other state is a failure's reason (crashed, timeout...).
LABELS = {
    "started": "running",
    "done": "done",
    "skipped": "skipped",
    "missing": "[yellow]missing[/]",
}

ServerOpt = Annotated[
    str | None, typer.Option(help="Server URL; default: the embedded store.")
]
TokenOpt = Annotated[str | None, typer.Option(help="Access token for --server.")]


def app_id(value: str) -> str:
    """An ``--app`` value the API can address; the embedded store took any text."""
    if not APP_ID_PATTERN.match(value):
        raise typer.BadParameter(
            f"{value!r} is not an app id: use letters, digits, '_', ':', '.' and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def parse_tags(values: list[str]) -> dict[str, str]:
    """``key=value`` options into a dict."""
    tags = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"tags are written key=value, got {value!r}")
        tags[key] = item
    return tags


def analyze(
    path: Annotated[Path, typer.Argument(help="The checkout to analyse.")],
    app: Annotated[
        str, typer.Option(help="App id (created on first scan).", callback=app_id)
    ],
    tag: Annotated[list[str] | None, typer.Option(help="Scan tag key=value.")] = None,
    version: Annotated[str | None, typer.Option(help="Default: git HEAD.")] = None,
    branch: Annotated[str | None, typer.Option(help="Default: git branch.")] = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
    timeout: Annotated[float, typer.Option(help="Seconds per engine.")] = 600,
    memory: Annotated[int, typer.Option(help="MiB of memory per engine.")] = 4096,
    remote: Annotated[
        bool, typer.Option(help="Upload the source; a server worker analyses it.")
    ] = False,
    compound: Annotated[
        bool | None,
        typer.Option(
            "--compound/--no-compound",
            help="Store as a compound (one app per platform); default: when the "
            "tree holds several platforms.",
        ),
    ] = None,
) -> None:
    """Analyse a checkout with every applicable engine and store the scan.

    Exit codes: 0 when the scan is stored and every engine ran; 1 when the scan
    is stored (with its failures) but an engine crashed, timed out or, unless
    it is optional, is not installed; 2 when the analysis cannot start (bad
    arguments, not a directory, the worker could not analyse the upload); 3
    when the scan cannot be stored or uploaded. An optional engine that is not
    installed (checkov) and a missing advisory database are reported in the
    scan but do not change the exit code.
    """
    from sordino.analysis.runner import AnalysisError, git_info
    from sordino.analysis.runner import analyze as run

    if not path.is_dir():
        raise typer.BadParameter(f"{path} is not a directory")
    tags = parse_tags(tag or [])
    git = git_info(path) or ("", "")
    version = version or git[0]
    branch = branch or git[1]
    target = resolve(server, token)
    if remote:
        from sordino.cli.remote import analyze_remotely

        if target is None:
            raise typer.BadParameter("--remote needs --server (or SORDINO_SERVER)")
        scan = analyze_remotely(target, path, app, version, branch, tags)
        _exit_if(_report([scan], failures_of(scan)))
        return
    try:
        with _Progress() as progress:
            bundle = run(
                path,
                app=app,
                version=version,
                branch=branch,
                tags=tags,
                timeout_s=timeout,
                memory_mb=memory,
                progress=progress,
            )
    except AnalysisError as exc:
        err.print(f"[red]analysis failed:[/] {exc}")
        raise typer.Exit(2) from exc
    if _as_compound(bundle, compound):
        stored = store_compound(bundle, target)
        incomplete = _report(stored["member_scans"], bundle.failures)
        _print_compound(stored)
        _exit_if(incomplete)
        return
    if not bundle.stats.get("files"):
        err.print(f"[yellow]warning:[/] no source files found under {path}")
    stored = _store(bundle, target)
    scan = _read_scan(stored["scan"], target)
    incomplete = _report([scan], failures_of(scan))
    console.print(
        f"scan {scan['id']} of app {scan['app']}: {stored['findings']} findings "
        f"({stored['new']} new, {stored['regressions']} regressions)"
    )
    _exit_if(incomplete)


def failures_of(scan: dict[str, Any]) -> list[EngineFailure]:
    """The engine failures a stored scan records."""
    return [EngineFailure.model_validate(f) for f in scan.get("failures", [])]


def _report(scans: list[dict[str, Any]], failures: list[EngineFailure]) -> bool:
    """Print the stored scans' summary and the failures; True when incomplete.

    Incomplete: an engine crashed, timed out or, unless optional, is missing.
    """
    fatal = [failure for failure in failures if failure.fatal]
    summary.print_summary(console, err, summary.from_scans(scans), failures, fatal)
    return bool(fatal)


def _exit_if(incomplete: bool) -> None:
    """Exit 1 (the scan is stored) when the analysis was incomplete."""
    if incomplete:
        raise typer.Exit(1)


def _read_scan(scan: dict[str, Any], target: Server | None) -> dict[str, Any]:
    """The stored scan as the API reads it, with its counts."""
    try:
        if target is None:
            return read_scans_embedded([int(scan["id"])])[0]
        found = target.send(
            "GET", f"/orgs/{{org}}/apps/{scan['app']}/scans/{scan['id']}"
        )
    except TargetError as exc:
        err.print(f"[red]could not read the stored scan back:[/] {exc}")
        raise typer.Exit(3) from exc
    return dict(found[0] if isinstance(found, list) else found)


def _store(bundle: ScanBundle, target: Server | None) -> dict[str, Any]:
    try:
        if target is None:
            return store_embedded(bundle)
        return dict(
            target.upload(bundle.app, "bundle", bundle.model_dump_json().encode())
        )
    except TargetError as exc:
        err.print(f"[red]could not store the scan:[/] {exc}")
        raise typer.Exit(3) from exc


def _as_compound(bundle: ScanBundle, wanted: bool | None) -> bool:
    from sordino.compounds.polyglot import platforms

    return wanted if wanted is not None else len(platforms(bundle)) > 1


def store_compound(bundle: ScanBundle, target: Server | None) -> dict[str, Any]:
    """Store a bundle as a polyglot scan of the compound named after its app.

    ``member_scans`` are the member apps' scans it made, as the API reads them.
    """
    try:
        if target is None:
            return store_compound_embedded(bundle)
        stored = dict(
            target.send(
                "POST",
                f"/orgs/{{org}}/compounds/named/{bundle.app}/scans",
                content=bundle.model_dump_json().encode(),
                headers={"content-type": "application/json"},
            )
        )
        # The newest member scans: one per platform of this polyglot scan.
        made = len(stored["polyglot_scan"]["platforms"])
        listed = target.send(
            "GET",
            f"/orgs/{{org}}/compounds/named/{bundle.app}/scans",
            params={"limit": made},
        )
    except TargetError as exc:
        err.print(f"[red]could not store the scan:[/] {exc}")
        raise typer.Exit(3) from exc
    return {**stored, "member_scans": list(listed["scans"])}


def store_compound_embedded(bundle: ScanBundle) -> dict[str, Any]:
    """Ingest a bundle as a polyglot scan into the embedded store."""
    from sqlalchemy import select

    from sordino.compounds import service as compounds
    from sordino.compounds.polyglot import (
        PolyglotError,
        ensure_compound,
        ingest_polyglot,
    )
    from sordino.findings.summary import scan_summaries as summaries
    from sordino.scans.models import Scan

    db, org_id = embedded()
    with db.session() as session:
        try:
            polyglot = ingest_polyglot(session, org_id, bundle.app, bundle)
        except PolyglotError as exc:
            raise TargetError(str(exc)) from exc
        compound = ensure_compound(session, org_id, bundle.app)
        members = session.scalars(
            select(Scan.id).where(Scan.polyglot_scan_id == polyglot.id)
        )
        return {
            "compound": compounds.shallow(session, compound),
            "polyglot_scan": compounds.polyglot_read(polyglot),
            "member_scans": list(summaries(session, list(members)).values()),
        }


def _print_compound(stored: dict[str, Any]) -> None:
    compound = stored["compound"]
    polyglot = stored["polyglot_scan"]
    console.print(
        f"polyglot scan {polyglot['polyglot_scan_id']} of compound "
        f"{compound['name']}: platforms {', '.join(polyglot['platforms'])}"
    )
    for member in compound["apps"]:
        console.print(f"  member app {member}")


class _Progress:
    """A progress display fed by the runner's (engine, state) callbacks."""

    def __enter__(self) -> _Progress:
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def __call__(self, engine: str, state: str) -> None:
        if engine not in self.tasks:
            self.tasks[engine] = self.bar.add_task(engine, total=1)
        task = self.tasks[engine]
        label = LABELS.get(state, f"[red]{state}[/]")
        self.bar.update(task, description=f"{engine}: {label}")
        if state != "started":
            self.bar.update(task, completed=1)


def import_report(
    file: Annotated[Path, typer.Argument(help="SARIF, CycloneDX or bundle JSON.")],
    app: Annotated[
        str, typer.Option(help="App id the report belongs to.", callback=app_id)
    ],
    tag: Annotated[list[str] | None, typer.Option(help="Scan tag key=value.")] = None,
    version: Annotated[str | None, typer.Option()] = None,
    branch: Annotated[str | None, typer.Option()] = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Import another tool's report as a scan of an app."""
    from sordino.importers import InvalidReportError, load

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file")
    target = resolve(server, token)
    tags = parse_tags(tag or [])
    if target is not None:
        params = {
            "version": version or "",
            "branch": branch or "",
            "tag": [f"{k}={v}" for k, v in tags.items()],
        }
        with file.open("rb") as stream:
            try:
                stored = target.upload(app, "bundle", stream, **params)
            except TargetError as exc:
                # A report the server refuses exits as a local invalid one does.
                err.print(f"[red]import refused:[/] {exc}")
                raise typer.Exit(2 if exc.refused_input else 3) from exc
    else:
        try:
            bundle = load(file, app=app)
        except InvalidReportError as exc:
            err.print(f"[red]cannot import {file}:[/] {exc}")
            raise typer.Exit(2) from exc
        bundle.version = version or bundle.version
        bundle.branch = branch or bundle.branch
        bundle.tags.update(tags)
        stored = _store(bundle, None)
    console.print(
        f"imported {file.name} as scan {stored['scan']['id']} of app {app}: "
        f"{stored['findings']} findings, {stored['packages']} packages"
    )


def register(app: typer.Typer) -> None:
    """Add ``analyze`` and ``import`` to the command line."""
    app.command("analyze")(analyze)
    app.command("import")(import_report)
