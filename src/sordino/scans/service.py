"""Scans of an app: listing, lookup by id, branch or tag, branches and diffs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.common import iso, parse_id
from sordino.findings.models import Finding, Occurrence
from sordino.scans.models import Scan, ScanTag

MAX_LIMIT = 50
# The ``status`` filter of scan listings, by the scans' own ``status`` field. A
# scan whose engines partly failed still completed (``successful`` tells that
# part); "failed" is a scan that could not be analysed at all. A queued scan
# has not finished either and lists as running: the reference has no "queued".
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "completed": ("completed",),
    "running": ("running", "queued"),
    "failed": ("failed",),
}
STATUS_PATTERN = f"^({'|'.join(STATUS_FILTERS)})$"
_REFERENCE = re.compile(r"^(?:scan\.(?P<id>\d+)|tag\.(?P<key>[^=]+)=(?P<value>.*))$")


class ScanNotFound(LookupError):
    """No scan of the app matches what was asked for."""


class BadReference(ValueError):
    """A scan reference or tag filter that cannot be parsed."""


@dataclass(frozen=True)
class Seen:
    """A finding as one scan saw it."""

    finding: Finding
    regression: bool


@dataclass(frozen=True)
class Comparison:
    """How the findings of ``target`` differ from those of ``source``."""

    source: Scan
    target: Scan
    new: list[Seen]
    fixed: list[Seen]
    common: list[Seen]


def parse_tags(values: list[str]) -> dict[str, list[str]]:
    """``key=value`` filters grouped by key (repeats of a key are alternatives)."""
    wanted: dict[str, list[str]] = {}
    for value in values:
        key, sep, tag_value = value.partition("=")
        if not sep or not key:
            raise BadReference(f"tag filter {value!r} is not of the form key=value")
        wanted.setdefault(key, []).append(tag_value)
    return wanted


def _with_tags(query: Select[Any], tags: dict[str, list[str]]) -> Select[Any]:
    for key, values in tags.items():
        query = query.where(
            select(ScanTag.scan_id)
            .where(
                ScanTag.scan_id == Scan.id,
                ScanTag.key == key,
                ScanTag.value.in_(values),
            )
            .exists()
        )
    return query


def with_status(query: Select[Any], status: str | None) -> Select[Any]:
    """``query`` narrowed to the scans that ``status`` (a filter value) lists."""
    if status is None:
        return query
    return query.where(Scan.status.in_(STATUS_FILTERS[status]))


def list_scans(
    session: Session,
    app: App,
    tags: dict[str, list[str]],
    limit: int = 10,
    *,
    status: str | None = None,
) -> list[Scan]:
    """The app's most recent scans matching every tag filter, newest first."""
    query = _with_tags(select(Scan).where(Scan.app_pk == app.pk), tags)
    query = with_status(query, status)
    query = query.order_by(Scan.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    return list(session.scalars(query))


def get(session: Session, app: App, scan_id: str | int) -> Scan:
    """The app's scan ``scan_id``; ScanNotFound if it has none such."""
    number = parse_id(str(scan_id))
    if number is None:
        raise ScanNotFound(f"no scan with id {scan_id!r}")
    scan = session.get(Scan, number)
    if scan is None or scan.app_pk != app.pk:
        raise ScanNotFound(f"no scan with id {scan_id!r}")
    return scan


def latest(
    session: Session,
    app: App,
    *,
    branch: str | None = None,
    before: int | None = None,
    tags: dict[str, list[str]] | None = None,
) -> Scan | None:
    """The newest completed scan, optionally on a branch, older than a scan id."""
    query = select(Scan).where(Scan.app_pk == app.pk, Scan.status == "completed")
    if branch is not None:
        query = query.where(Scan.branch == branch)
    if before is not None:
        query = query.where(Scan.id < before)
    query = _with_tags(query, tags or {})
    return session.scalar(query.order_by(Scan.id.desc()).limit(1))


def resolve(session: Session, app: App, reference: str) -> Scan:
    """The scan named by ``scan.<id>`` or ``tag.<key>=<value>`` (its latest)."""
    match = _REFERENCE.match(reference.strip())
    if match is None:
        raise BadReference(
            f"scan reference {reference!r} must be scan.<id> or tag.<key>=<value>"
        )
    if match.group("id") is not None:
        return get(session, app, match.group("id"))
    tags = {match.group("key"): [match.group("value")]}
    scan = latest(session, app, tags=tags)
    if scan is None:
        raise ScanNotFound(f"no scan is tagged {reference[4:]!r}")
    return scan


def findings_of(session: Session, scan_id: int) -> list[Seen]:
    """Every finding the scan saw, with its regression flag, by finding id."""
    rows = session.execute(
        select(Finding, Occurrence.regression)
        .join(Occurrence, Occurrence.finding_id == Finding.id)
        .where(Occurrence.scan_id == scan_id)
        .order_by(Finding.id)
    )
    return [Seen(finding, bool(regression)) for finding, regression in rows]


def compare(session: Session, source: Scan, target: Scan) -> Comparison:
    """New, fixed and common findings of ``target`` relative to ``source``."""
    before = {seen.finding.id: seen for seen in findings_of(session, source.id)}
    after = {seen.finding.id: seen for seen in findings_of(session, target.id)}
    return Comparison(
        source=source,
        target=target,
        new=[seen for key, seen in after.items() if key not in before],
        fixed=[seen for key, seen in before.items() if key not in after],
        common=[seen for key, seen in after.items() if key in before],
    )


def branches(session: Session, app: App) -> list[dict[str, Any]]:
    """Every scanned branch of the app with its scan count and first/last scan."""
    rows = session.execute(
        select(
            Scan.branch,
            func.count(),
            func.min(Scan.started_at),
            func.max(Scan.started_at),
        )
        .where(Scan.app_pk == app.pk, Scan.branch != "")
        .group_by(Scan.branch)
        .order_by(Scan.branch)
    )
    return [
        {
            "branch_name": branch,
            "scan_count": count,
            "created_at": iso(first),
            "updated_at": iso(last),
            "first_scan": _epoch(first),
            "last_scan": _epoch(last),
        }
        for branch, count, first, last in rows
    ]


def _epoch(moment: Any) -> int:
    if moment is None:
        return 0
    return int(moment.timestamp())
