"""Findings of a compound: one polyglot scan's member scans, filtered and counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.common import iso
from sordino.compounds import query as cq
from sordino.compounds.models import PolyglotScan
from sordino.compounds.platforms import PLATFORM_LANGUAGES, of_language
from sordino.compounds.service import (
    CompoundNotFound,
    CompoundView,
    polyglot_scans,
    scan_read,
)
from sordino.findings import query as fq
from sordino.findings import serialize
from sordino.findings import service as findings
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.findings.schemas import FindingQuery
from sordino.findings.tags import COLUMN_TAGS, cvss_rating, format_score
from sordino.scans.models import Scan


def _polyglots(view: CompoundView) -> Select[tuple[PolyglotScan]]:
    return polyglot_scans(view).where(PolyglotScan.status == "completed")


def _latest(
    session: Session, statement: Select[tuple[PolyglotScan]]
) -> PolyglotScan | None:
    return session.scalar(statement.order_by(PolyglotScan.id.desc()).limit(1))


def _by_id(session: Session, view: CompoundView, polyglot_id: int) -> PolyglotScan:
    found = session.scalar(polyglot_scans(view).where(PolyglotScan.id == polyglot_id))
    if found is None:
        raise CompoundNotFound(
            f"compound {view.name!r} has no polyglot scan {polyglot_id}"
        )
    return found


def _with_tag(
    session: Session, statement: Select[tuple[PolyglotScan]], key: str, value: str
) -> PolyglotScan | None:
    # Scan tags are few per scan and polyglot scans few per compound: a scan
    # of the newest ones in Python keeps this portable across databases.
    for polyglot in session.scalars(statement.order_by(PolyglotScan.id.desc())):
        if polyglot.tags.get(key) == value:
            return polyglot
    return None


def _selected(
    session: Session, view: CompoundView, query: cq.CompoundQuery
) -> PolyglotScan | None:
    statement = _polyglots(view)
    if query.polyglot_scan is not None:
        return _by_id(session, view, query.polyglot_scan)
    if query.scan_version is not None:
        return _latest(
            session, statement.where(PolyglotScan.version == query.scan_version)
        )
    if query.scan_branch is not None:
        return _latest(
            session, statement.where(PolyglotScan.branch == query.scan_branch)
        )
    if query.scan_tag is not None:
        return _with_tag(session, statement, *query.scan_tag)
    return _latest(session, statement)


def _selection(query: cq.CompoundQuery) -> str:
    if query.scan_version is not None:
        return f" of version {query.scan_version!r}"
    if query.scan_branch is not None:
        return f" on branch {query.scan_branch!r}"
    if query.scan_tag is not None:
        return f" tagged {query.scan_tag[0]}={query.scan_tag[1]!r}"
    return ""


def select_polyglot(
    session: Session, view: CompoundView, query: cq.CompoundQuery
) -> PolyglotScan:
    """The polyglot scan a v2 query reads, by the reference's precedence.

    The answer is that one scan's: when no scan matches the selection there
    is nothing to answer (404), not an empty scan that a gate would pass.
    """
    found = _selected(session, view, query)
    if found is None:
        raise CompoundNotFound(
            f"compound {view.name!r} has no polyglot scan{_selection(query)}"
        )
    return found


def member_scans(
    session: Session,
    view: CompoundView,
    polyglot: PolyglotScan,
    platforms: Sequence[str] | None = None,
) -> list[tuple[Scan, App]]:
    """The polyglot scan's visible member scans, of some platforms if given."""
    statement = (
        select(Scan, App)
        .join(App, App.pk == Scan.app_pk)
        .where(Scan.polyglot_scan_id == polyglot.id, App.pk.in_(view.member_pks))
    )
    if platforms is not None:
        statement = statement.where(App.platform.in_(platforms))
    return list(session.execute(statement.order_by(Scan.id)).tuples())


def platforms_of(query: cq.CompoundQuery) -> list[str] | None:
    """The member platforms ``scan_platform`` or ``scan_language`` allow."""
    if query.scan_platform is not None:
        wanted = query.scan_platform.upper()
        aliases = {
            p for p, lang in PLATFORM_LANGUAGES.items() if lang == query.scan_platform
        }
        return sorted({wanted} | aliases)
    if query.scan_language is not None:
        return sorted(
            p for p, lang in PLATFORM_LANGUAGES.items() if lang == query.scan_language
        )
    return None


def polyglot_body(
    session: Session, view: CompoundView, polyglot: PolyglotScan, rows: Any
) -> dict[str, Any]:
    """The ``polyglot_scan`` object: ids and every member scan in full."""
    return {
        "compound_id": view.id,
        "polyglot_scan_id": polyglot.id,
        "version": polyglot.version,
        "branch": polyglot.branch,
        "created_at": iso(polyglot.created_at),
        "scans": [scan_read(session, scan, app) for scan, app in rows],
    }


def _seen_in(scan_ids: list[int]) -> Any:
    return exists().where(
        Occurrence.finding_id == Finding.id, Occurrence.scan_id.in_(scan_ids)
    )


def value_counts(
    session: Session, statement: Select[Any], excluded: Sequence[str]
) -> list[dict[str, Any]]:
    """``counts`` in the ``{key, value_counts}`` form over every selected finding."""
    ids = statement.with_only_columns(Finding.id).order_by(None)
    columns = [getattr(Finding, c) for c in COLUMN_TAGS.values()]
    rows = session.execute(
        ids.with_only_columns(
            Finding.type, Finding.status, Finding.cvss_score, *columns
        )
    ).all()
    tally: dict[str, Counter[str]] = {}

    def add(key: str, value: str, count: int = 1) -> None:
        if value and key not in excluded:
            tally.setdefault(key, Counter())[value] += count

    for row in rows:
        add("finding_type", row[0])
        add("status", row[1] or "unset")
        add("cvss_score", format_score(row[2]))
        add("cvss_31_severity_ratings", cvss_rating(row[2]))
        for key, value in zip(COLUMN_TAGS, row[3:], strict=True):
            add(key, str(value or ""))
    tagged = session.execute(
        select(FindingTag.key, FindingTag.value, func.count())
        .where(FindingTag.finding_id.in_(ids))
        .group_by(FindingTag.key, FindingTag.value)
    ).tuples()
    for key, value, count in tagged:
        add(key, value, count)
    return [
        {"key": key, "value_counts": dict(sorted(counter.items()))}
        for key, counter in sorted(tally.items())
    ]


def _page(
    session: Session, statement: Select[Any], query: cq.CompoundQuery
) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        session.execute(
            statement.add_columns(App.app_id)
            .join(App, App.pk == Finding.app_pk)
            .order_by(*cq.order_by(query))
            .offset((query.page - 1) * query.per_page)
            .limit(query.per_page + 1)
        ).tuples()
    )
    has_more = len(rows) > query.per_page
    rows = rows[: query.per_page]
    tags = serialize.extra_tags(session, [f.id for f, _ in rows])
    listed = [
        serialize.read(f, app_id=app_id, tags=tags[f.id], exclude=query.exclude)
        for f, app_id in rows
    ]
    return listed, has_more


def list_findings(
    session: Session, view: CompoundView, query: cq.CompoundQuery
) -> dict[str, Any]:
    """The v2 listing: one polyglot scan's findings, paged, with value counts."""
    polyglot = select_polyglot(session, view, query)
    rows = member_scans(session, view, polyglot, platforms_of(query))
    statement = select(Finding).where(
        _seen_in([scan.id for scan, _ in rows]), *cq.conditions(query)
    )
    listed, has_more = _page(session, statement, query)
    return {
        "polyglot_scan": polyglot_body(session, view, polyglot, rows),
        "findings": listed,
        "has_more": has_more,
        "total_count": session.scalar(fq.count_of(statement)) or 0,
        "counts": value_counts(session, statement, query.counts_exclude),
    }


# The deprecated v1 listing ------------------------------------------------------


def _v1_polyglot(
    session: Session, view: CompoundView, query: FindingQuery
) -> PolyglotScan | None:
    if query.scan_id is not None:
        return _by_id(session, view, query.scan_id)
    statement = _polyglots(view)
    if query.version is not None:
        statement = statement.where(PolyglotScan.version == query.version)
    for polyglot in session.scalars(statement.order_by(PolyglotScan.id.desc())):
        if all(polyglot.tags.get(k) == v for k, v in query.scan_tags):
            return polyglot
    return None


def _v1_source(
    session: Session, view: CompoundView, query: FindingQuery
) -> PolyglotScan | None:
    if query.source is None:
        return None
    if query.source.scan_id is not None:
        return _by_id(session, view, query.source.scan_id)
    found = _v1_polyglot(session, view, FindingQuery(scan_tags=query.source.tags))
    if found is None:
        raise CompoundNotFound("no polyglot scan matches the diff's source")
    return found


def _v1_selection(
    target: list[int], source: list[int] | None, query: FindingQuery
) -> Any:
    statement = select(Finding)
    if source is None or query.diff is None:
        return statement.where(_seen_in(target))
    if query.diff == "fixed":
        return statement.where(_seen_in(source), ~_seen_in(target))
    if query.diff == "common":
        return statement.where(_seen_in(target), _seen_in(source))
    statement = statement.where(_seen_in(target), ~_seen_in(source))
    if query.diff == "regression":
        statement = statement.where(Finding.scan_first_seen < min(source, default=0))
    return statement


def _as_scan(
    view: CompoundView, polyglot: PolyglotScan, rows: list[tuple[Scan, App]]
) -> dict[str, Any]:
    """The polyglot scan as an app scan, made of the visible member scans."""
    mine = {app.platform for _, app in rows}
    return {
        "id": str(polyglot.id),
        "app": view.name,
        "version": polyglot.version,
        "branch": polyglot.branch,
        "successful": all(scan.successful for scan, _ in rows),
        "started_at": iso(polyglot.started_at),
        "completed_at": iso(polyglot.completed_at or polyglot.started_at),
        "language": "",
        "languages": [lang for lang in polyglot.languages if of_language(lang) in mine],
        "tags": dict(polyglot.tags),
    }


def list_findings_v1(
    session: Session, view: CompoundView, query: FindingQuery
) -> dict[str, Any]:
    """The deprecated listing with the app findings' parameters."""
    polyglot = _v1_polyglot(session, view, query)
    if polyglot is None:
        empty: dict[str, Any] = {"counts": [], "total_count": 0}
        if not query.only_counts:
            empty.update(findings=[], has_more=False)
        return empty
    source = _v1_source(session, view, query)
    targets = member_scans(session, view, polyglot)
    sources = member_scans(session, view, source) if source else None
    statement = _v1_selection(
        [scan.id for scan, _ in targets],
        [scan.id for scan, _ in sources] if sources is not None else None,
        query,
    ).where(*fq.conditions(query))
    app_ids = {app.pk: app.app_id for app in view.members}
    body = findings.page(session, statement, query, app_ids)
    return {"scan": _as_scan(view, polyglot, targets), **body}
