"""Check analysis: evaluate a target scan against rules and keep the result.

With ``meta.kind: diff`` (the default) the rules see only the findings the
target has and the source has not; with ``single`` they see every finding of
the target. A rule fails when more findings match it than its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.checks.models import CheckResult
from sordino.checks.schemas import CheckConfig, CheckRule, ScanSelector
from sordino.findings.models import Finding, Occurrence
from sordino.findings.serialize import extra_tags
from sordino.findings.tags import column_tags
from sordino.scans import service as scans
from sordino.scans.models import Scan

log = structlog.get_logger()
_LEGACY_SEVERITY = {"moderate": "medium", "info": "low"}


class CheckError(ValueError):
    """The check cannot run: a scan it needs does not exist."""


@dataclass(frozen=True)
class Candidate:
    """A finding the rules look at, with every tag it can be matched on."""

    finding: Finding
    tags: dict[str, list[str]]

    @property
    def reachable(self) -> bool:
        """Whether the finding's vulnerable code is known to be reachable."""
        return bool(self.finding.reachable) or "reachable" in self.tags.get(
            "reachability", []
        )


def _by_selector(
    session: Session, app: App, chosen: ScanSelector, before: int | None
) -> Scan | None:
    if chosen.scan is not None:
        try:
            return scans.get(session, app, chosen.scan)
        except scans.ScanNotFound:
            return None
    if chosen.tag is not None:
        return scans.latest(session, app, tags=scans.parse_tags([chosen.tag]))
    return scans.latest(session, app, branch=chosen.branch, before=before)


def pick_target(session: Session, app: App, chosen: ScanSelector | None) -> Scan:
    """The scan under check; by default the last scan of the default branch."""
    if chosen is None:
        branch = app.default_branch or None
        scan = scans.latest(session, app, branch=branch) if branch else None
        scan = scan or scans.latest(session, app)
    else:
        scan = _by_selector(session, app, chosen, None)
    if scan is None:
        raise CheckError(f"app {app.app_id!r} has no scan to check")
    return scan


def default_source(
    chosen: ScanSelector | None, base: str | None, branch: str
) -> ScanSelector | None:
    """The source asked for, else the default branch for a scan of another one."""
    if chosen is None and base and branch and branch != base:
        return ScanSelector(branch=base)
    return chosen


def pick_source(
    session: Session, app: App, chosen: ScanSelector | None, target: Scan
) -> Scan | None:
    """The reference scan, or None when the target is the branch's first scan.

    By default a scan of another branch is compared with the latest scan of
    the app's default branch (what it would merge into), and a scan of the
    default branch with the one before it. A source on the target's own
    branch means the scan before the target; there may be none yet.
    """
    chosen = default_source(chosen, app.default_branch, target.branch)
    if chosen is None:
        return scans.latest(session, app, branch=target.branch, before=target.id)
    same_branch = chosen.branch is not None and chosen.branch == target.branch
    scan = _by_selector(session, app, chosen, target.id if same_branch else None)
    if scan is None and not same_branch:
        raise CheckError("no scan matches the check's source")
    return scan


def candidates(
    session: Session, target: Scan, source: Scan | None, kind: str
) -> list[Candidate]:
    """The findings the rules see, with their tags."""
    before = [source.id] if source is not None else None
    return candidates_of(session, [target.id], before, kind)


def candidates_of(
    session: Session, targets: list[int], sources: list[int] | None, kind: str
) -> list[Candidate]:
    """The findings of the ``targets`` scans the rules see, with their tags.

    A ``diff`` leaves out what the ``sources`` scans saw too; ``sources`` None
    (no reference scan) keeps everything.
    """
    seen = list(
        session.scalars(
            select(Finding)
            .where(
                Finding.id.in_(
                    select(Occurrence.finding_id).where(Occurrence.scan_id.in_(targets))
                )
            )
            .order_by(Finding.id)
        )
    )
    if kind == "diff" and sources is not None:
        before = set(
            session.scalars(
                select(Occurrence.finding_id).where(Occurrence.scan_id.in_(sources))
            )
        )
        seen = [finding for finding in seen if finding.id not in before]
    extras = extra_tags(session, [finding.id for finding in seen])
    return [Candidate(f, _tag_map(f, extras[f.id])) for f in seen]


def _tag_map(finding: Finding, extras: list[dict[str, str]]) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {
        "type": [finding.type],
        "finding_type": [finding.type],
        "status": [finding.status or "unset"],
        "title": [finding.title],
    }
    for tag in [*column_tags(finding), *extras]:
        values = tags.setdefault(tag["key"], [])
        if tag["value"] not in values:
            values.append(tag["value"])
    return tags


def matches(rule: CheckRule, candidate: Candidate) -> bool:
    """Whether the finding has, for every key of the rule, one of its values."""
    if rule.reachable and not candidate.reachable:
        return False
    for key, wanted in rule.tags.items():
        if key == "severity":
            wanted = [_LEGACY_SEVERITY.get(value, value) for value in wanted]
        if not set(wanted) & set(candidate.tags.get(key, [])):
            return False
    return True


def _summary(
    matched: list[Candidate], keys: list[str], threshold: int | None, limit: int
) -> dict[str, Any]:
    by_tag: dict[str, dict[str, int]] = {key: {} for key in keys}
    for candidate in matched:
        for key in keys:
            for value in candidate.tags.get(key, []):
                by_tag[key][value] = by_tag[key].get(value, 0) + 1
    over = max(0, len(matched) - threshold) if threshold is not None else 0
    return {
        "by_tag": by_tag,
        "reachable": sum(1 for c in matched if c.reachable),
        "matched": len(matched),
        "over_threshold": over,
        "findings": [_brief(c) for c in matched[:limit]],
    }


def _brief(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.finding.id,
        "title": candidate.finding.title,
        "tags": candidate.tags,
    }


def evaluate(config: CheckConfig, found: list[Candidate]) -> dict[str, Any]:
    """The per-rule summaries and their totals."""
    rules: dict[str, Any] = {}
    union: dict[int, Candidate] = {}
    for rule in config.rules:
        matched = [c for c in found if matches(rule, c)]
        union.update((c.finding.id, c) for c in matched)
        limit = (
            config.meta.num_findings if rule.num_findings is None else rule.num_findings
        )
        rules[rule.id] = _summary(matched, list(rule.tags), rule.threshold, limit)
    totals = _summary(list(union.values()), [], None, config.meta.num_findings)
    for summary in rules.values():
        for key, values in summary["by_tag"].items():
            merged = totals["by_tag"].setdefault(key, {})
            for value, n in values.items():
                merged[value] = merged.get(value, 0) + n
    totals["over_threshold"] = sum(s["over_threshold"] for s in rules.values())
    return {"rules": rules, "totals": totals}


def run(session: Session, app: App, config: CheckConfig) -> CheckResult:
    """Check the selected target scan and store the result (flushed, not committed)."""
    target = pick_target(session, app, config.target)
    source = pick_source(session, app, config.source, target)
    outcome = evaluate(config, candidates(session, target, source, config.meta.kind))
    body = {
        "source": {"id": source.id} if source is not None else None,
        "target": {"id": target.id},
        **outcome,
    }
    if body["source"] is None:
        body.pop("source")
    result = CheckResult(
        org_id=app.org_id,
        app_pk=app.pk,
        source_scan_id=source.id if source is not None else None,
        target_scan_id=target.id,
        passed=outcome["totals"]["over_threshold"] == 0,
        request=config.model_dump(mode="json", by_alias=True),
        result=body,
    )
    session.add(result)
    session.flush()
    log.info(
        "check.evaluated",
        app=app.app_id,
        target=target.id,
        source=source.id if source is not None else None,
        passed=result.passed,
    )
    return result


def reports(session: Session, scan: Scan) -> list[dict[str, Any]]:
    """Stored check results whose target is ``scan``, oldest first."""
    found = session.scalars(
        select(CheckResult)
        .where(CheckResult.target_scan_id == scan.id)
        .order_by(CheckResult.id)
    )
    return [result.result for result in found]
