"""Cached per-scan findings groups, kept correct by a per-app revision.

A scan's findings grouped by (type, severity, category, owasp_category,
language, assignee, status, reachable) answer its summary, its unfiltered
counts and totals, and those of any filter on these columns. Counting them
means reading every occurrence of the scan, so the groups are stored in
``scan_summaries`` the first time they are needed.

Every change to an app's findings bumps the app's revision in the same
transaction (``invalidate``). A reader takes the revision *before* counting
and stores the groups under it, so groups counted while a change commits are
stored under the old revision and counted again by the next reader: a stale
cache can cost a recount, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sordino.findings.models import Finding, FindingsRevision, Occurrence, ScanSummary
from sordino.scans.models import Scan

STORE_BATCH = 500


class Group(NamedTuple):
    """How many findings share these column values."""

    type: str
    severity: str
    category: str
    owasp_category: str
    language: str
    assignee: str
    status: str
    reachable: bool | None
    n: int


GROUPED = (
    Finding.type,
    Finding.severity,
    Finding.category,
    Finding.owasp_category,
    Finding.language,
    Finding.assignee,
    Finding.status,
    Finding.reachable,
)


def _insert(session: Session) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def invalidate(session: Session, app_pk: int) -> None:
    """Mark every cached summary of the app's scans out of date (one statement)."""
    statement = _insert(session)(FindingsRevision).values(app_pk=app_pk, rev=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[FindingsRevision.app_pk],
            set_={"rev": FindingsRevision.rev + 1},
        )
    )


def cached_groups(session: Session, scan_ids: Sequence[int]) -> dict[int, list[Group]]:
    """Per scan, its findings groups: from the cache, or counted and stored."""
    wanted = sorted(set(scan_ids))
    result: dict[int, list[Group]] = {scan_id: [] for scan_id in scan_ids}
    if not wanted:
        return result
    # The revision is read first: see the module docstring.
    rows = session.execute(
        select(
            Scan.id,
            Scan.app_pk,
            func.coalesce(FindingsRevision.rev, 0),
            ScanSummary.rev,
            ScanSummary.app_pk,
            ScanSummary.groups,
        )
        .outerjoin(FindingsRevision, FindingsRevision.app_pk == Scan.app_pk)
        .outerjoin(ScanSummary, ScanSummary.scan_id == Scan.id)
        .where(Scan.id.in_(wanted))
    ).all()
    stale: dict[int, tuple[int, int]] = {}
    for scan_id, app_pk, rev, cached_rev, cached_app, groups in rows:
        if cached_rev == rev and cached_app == app_pk and groups is not None:
            result[scan_id] = [Group(*g) for g in groups]
        else:
            stale[scan_id] = (app_pk, rev)
    if stale:
        counted = count_groups(session, list(stale))
        _store(session, counted, stale)
        result.update(counted)
    return result


def count_groups(session: Session, scan_ids: Sequence[int]) -> dict[int, list[Group]]:
    """Per scan, its findings grouped, counted by the database in one query."""
    grouped: dict[int, list[Group]] = {scan_id: [] for scan_id in scan_ids}
    statement: Select[Any] = (
        select(Occurrence.scan_id, *GROUPED, func.count())
        .join(Finding, Finding.id == Occurrence.finding_id)
        .where(Occurrence.scan_id.in_(scan_ids))
        .group_by(Occurrence.scan_id, *GROUPED)
    )
    for scan_id, *values in session.execute(statement):
        grouped[scan_id].append(Group(*values))
    return grouped


def _store(
    session: Session,
    counted: dict[int, list[Group]],
    stale: dict[int, tuple[int, int]],
) -> None:
    """Upsert the counted groups, each under the revision read before counting."""
    table = ScanSummary.__table__
    rows = [
        {
            "scan_id": scan_id,
            "app_pk": stale[scan_id][0],
            "rev": stale[scan_id][1],
            "groups": [list(g) for g in groups],
        }
        for scan_id, groups in counted.items()
    ]
    for start in range(0, len(rows), STORE_BATCH):
        statement = _insert(session)(table).values(rows[start : start + STORE_BATCH])
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.scan_id],
                set_={
                    "app_pk": statement.excluded.app_pk,
                    "rev": statement.excluded.rev,
                    "groups": statement.excluded.groups,
                },
            )
        )
