"""Check analysis of a compound: the rules over its polyglot scans' member scans.

A compound is checked as one: the target and source are polyglot scans, chosen
like an app's scans (by branch, by polyglot scan id or by a scan tag), and the
rules see the findings of every member scan of the target. The result is stored
once per member scan of the target, so each member app's scan report (#106)
shows it. A caller sees, checks and stores only the member scans of the
member apps it may see (``CompoundView``).
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.checks.models import CheckResult
from sordino.checks.schemas import CheckConfig, ScanSelector
from sordino.checks.service import (
    CheckError,
    candidates_of,
    default_source,
    evaluate,
)
from sordino.compounds import service as compounds
from sordino.compounds.findings import member_scans
from sordino.compounds.models import Compound, PolyglotScan
from sordino.compounds.service import CompoundView, polyglot_scans
from sordino.scans.models import Scan

log = structlog.get_logger()


def find(session: Session, org_id: str, name: str) -> CompoundView | None:
    """The org's compound ``name`` whole, for callers without a token (the CLI)."""
    found = session.scalar(
        select(Compound).where(Compound.org_id == org_id, Compound.name == name)
    )
    return compounds.whole(session, found) if found is not None else None


def _completed(compound: CompoundView) -> Select[tuple[PolyglotScan]]:
    return polyglot_scans(compound).where(PolyglotScan.status == "completed")


def _latest(
    session: Session,
    compound: CompoundView,
    *,
    branch: str | None = None,
    before: int | None = None,
) -> PolyglotScan | None:
    statement = _completed(compound)
    if branch is not None:
        statement = statement.where(PolyglotScan.branch == branch)
    if before is not None:
        statement = statement.where(PolyglotScan.id < before)
    return session.scalar(statement.order_by(PolyglotScan.id.desc()).limit(1))


def _with_tag(
    session: Session, compound: CompoundView, tag: str
) -> PolyglotScan | None:
    key, _, value = tag.partition("=")
    # A compound has few polyglot scans and their tags are a small JSON object:
    # reading the newest ones in Python works the same on every database.
    newest = _completed(compound).order_by(PolyglotScan.id.desc())
    for polyglot in session.scalars(newest):
        if polyglot.tags.get(key) == value:
            return polyglot
    return None


def _by_selector(
    session: Session, compound: CompoundView, chosen: ScanSelector, before: int | None
) -> PolyglotScan | None:
    if chosen.scan is not None:
        return session.scalar(
            polyglot_scans(compound).where(PolyglotScan.id == chosen.scan)
        )
    if chosen.tag is not None:
        return _with_tag(session, compound, chosen.tag)
    return _latest(session, compound, branch=chosen.branch, before=before)


def _default_branch(compound: CompoundView) -> str | None:
    branches = [app.default_branch for app in compound.members]
    return next((branch for branch in branches if branch), None)


def pick_target(
    session: Session, compound: CompoundView, chosen: ScanSelector | None
) -> PolyglotScan:
    """The polyglot scan under check; by default the latest of the default branch.

    The default branch is the first one a member app has set; without one, the
    latest polyglot scan of any branch.
    """
    if chosen is None:
        branch = _default_branch(compound)
        found = _latest(session, compound, branch=branch) if branch else None
        found = found or _latest(session, compound)
    else:
        found = _by_selector(session, compound, chosen, None)
    if found is None:
        raise CheckError(f"compound {compound.name!r} has no polyglot scan to check")
    return found


def pick_source(
    session: Session,
    compound: CompoundView,
    chosen: ScanSelector | None,
    target: PolyglotScan,
) -> PolyglotScan | None:
    """The reference polyglot scan, chosen as ``service.pick_source`` does."""
    chosen = default_source(chosen, _default_branch(compound), target.branch)
    if chosen is None:
        return _latest(session, compound, branch=target.branch, before=target.id)
    same_branch = chosen.branch is not None and chosen.branch == target.branch
    found = _by_selector(session, compound, chosen, target.id if same_branch else None)
    if found is None and not same_branch:
        raise CheckError("no polyglot scan matches the check's source")
    return found


def _scan_info(rows: list[tuple[Scan, App]], polyglot: PolyglotScan) -> dict[str, Any]:
    return {"id": polyglot.id, "scans": [scan.id for scan, _ in rows]}


def _store(
    session: Session,
    config: CheckConfig,
    body: dict[str, Any],
    targets: list[tuple[Scan, App]],
    sources: list[tuple[Scan, App]],
) -> None:
    """One stored result per member scan of the target, beside its app's source."""
    source_of = {app.pk: scan.id for scan, app in sources}
    passed = body["totals"]["over_threshold"] == 0
    request = config.model_dump(mode="json", by_alias=True)
    for scan, app in targets:
        session.add(
            CheckResult(
                org_id=app.org_id,
                app_pk=app.pk,
                source_scan_id=source_of.get(app.pk),
                target_scan_id=scan.id,
                passed=passed,
                request=request,
                result=body,
            )
        )
    session.flush()


def run(
    session: Session, compound: CompoundView, config: CheckConfig
) -> dict[str, Any]:
    """Check the selected polyglot scan and store the result (flushed only)."""
    target = pick_target(session, compound, config.target)
    source = pick_source(session, compound, config.source, target)
    targets = member_scans(session, compound, target)
    sources = member_scans(session, compound, source) if source is not None else []
    found = candidates_of(
        session,
        [scan.id for scan, _ in targets],
        [scan.id for scan, _ in sources] if source is not None else None,
        config.meta.kind,
    )
    body: dict[str, Any] = {}
    if source is not None:
        body["source"] = _scan_info(sources, source)
    body["target"] = _scan_info(targets, target)
    body.update(evaluate(config, found))
    _store(session, config, body, targets, sources)
    log.info(
        "check.evaluated",
        compound=compound.name,
        target=target.id,
        source=source.id if source is not None else None,
        passed=body["totals"]["over_threshold"] == 0,
    )
    return body
