"""Reading findings: app and org listings, summaries, versions, one finding.

"Findings of scan N" are the findings with an occurrence in scan N; a listing
without a scan uses the app's latest completed scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from sordino.apps.models import App
from sordino.common import parse_id
from sordino.findings import query as fq
from sordino.findings import serialize
from sordino.findings import summary as fs
from sordino.findings.cache import Group
from sordino.findings.models import Finding, Occurrence
from sordino.findings.schemas import FindingQuery, ScanRef
from sordino.rbac.access import Principal
from sordino.scans import serialize as scans_wire
from sordino.scans.models import Scan, ScanTag


class NotFoundError(LookupError):
    """A finding, scan or version that the caller named does not exist."""


def _tagged(pairs: Sequence[tuple[str, str]]) -> list[ColumnElement[bool]]:
    return [
        exists().where(ScanTag.scan_id == Scan.id, ScanTag.key == k, ScanTag.value == v)
        for k, v in pairs
    ]


def latest_scan(
    session: Session,
    app: App,
    *,
    version: str | None = None,
    tags: Sequence[tuple[str, str]] = (),
) -> Scan | None:
    """The app's latest completed scan, of ``version`` and with ``tags`` if given."""
    statement = select(Scan).where(Scan.app_pk == app.pk, Scan.status == "completed")
    if version is not None:
        statement = statement.where(Scan.version == version)
    statement = statement.where(*_tagged(tags))
    return session.scalar(statement.order_by(Scan.id.desc()).limit(1))


def get_scan(session: Session, app: App, scan_id: int) -> Scan:
    """The app's scan ``scan_id``, or ``NotFoundError``."""
    scan = session.get(Scan, scan_id)
    if scan is None or scan.app_pk != app.pk:
        raise NotFoundError(f"app {app.app_id!r} has no scan {scan_id}")
    return scan


def target_scan(session: Session, app: App, query: FindingQuery) -> Scan | None:
    """The scan a listing reads: by id, else by version and scan tags, else latest."""
    if query.scan_id is not None:
        return get_scan(session, app, query.scan_id)
    return latest_scan(session, app, version=query.version, tags=query.scan_tags)


def source_scan(session: Session, app: App, ref: ScanRef) -> Scan:
    """The scan a diff compares against."""
    if ref.scan_id is not None:
        return get_scan(session, app, ref.scan_id)
    scan = latest_scan(session, app, tags=ref.tags)
    if scan is None:
        described = ", ".join(f"{k}={v}" for k, v in ref.tags)
        raise NotFoundError(f"no scan of app {app.app_id!r} has the tags {described}")
    return scan


def _seen_in(scan_id: int) -> Any:
    other = aliased(Occurrence)
    return exists().where(
        other.finding_id == Occurrence.finding_id, other.scan_id == scan_id
    )


def _in_scans(scan_ids: Sequence[int]) -> Select[Any]:
    """Ids of the findings with an occurrence in one of ``scan_ids``.

    Rooted at ``occurrences`` so that its (scan_id, finding_id) key serves
    both the selection and the default order.
    """
    return select(Occurrence.finding_id).where(Occurrence.scan_id.in_(scan_ids))


def _occurrence_ids(
    target: int, query: FindingQuery, source: int | None
) -> Select[Any]:
    """Ids of the findings of scan ``target``, or of its diff against ``source``."""
    if source is None or query.diff is None:
        return _in_scans([target])
    if query.diff == "fixed":
        return _in_scans([source]).where(~_seen_in(target))
    if query.diff == "common":
        return _in_scans([target]).where(_seen_in(source))
    return _in_scans([target]).where(~_seen_in(source))


def _with_findings(
    ids: Select[Any], query: FindingQuery, owner: ColumnElement[bool]
) -> Select[Any]:
    """``ids`` joined to their findings and filtered by ``query``.

    ``owner`` (the app or org of the findings) always holds. The join looks
    findings up by key from the occurrences, which arrive in id order: the
    ``+ 0`` keeps PostgreSQL from merging with a backward walk of every
    finding's primary key, which its estimates favour when a LIMIT is small
    but which reads all the findings of newer apps first.
    """
    return ids.join(Finding, Finding.id == Occurrence.finding_id + 0).where(
        owner, *fq.conditions(query)
    )


def scan_selection(
    app: App, target: int, query: FindingQuery, source: int | None
) -> Select[Any]:
    """Findings of the app's scan ``target``, or its diff against ``source``."""
    ids = _occurrence_ids(target, query, source)
    statement = _with_findings(ids, query, Finding.app_pk == app.pk)
    if source is not None and query.diff == "regression":
        statement = statement.where(Finding.scan_first_seen < source)
    return statement


def _lean(ids: Select[Any], query: FindingQuery) -> Select[Any] | None:
    """``ids`` alone when ``query`` needs no finding column to filter or sort."""
    if query.sort != "id" or query.diff == "regression" or fq.conditions(query):
        return None
    return ids


def _groups(cached: Sequence[Group], query: FindingQuery) -> list[Group] | None:
    """The cached groups ``query`` selects, or None when it needs a recount."""
    test = fq.group_filter(query)
    return None if test is None else [g for g in cached if test(g)]


def page(
    session: Session,
    statement: Select[Any],
    query: FindingQuery,
    app_ids: dict[int, str],
    *,
    groups: Sequence[Group] | None = None,
    id_column: Any = Finding.id,
    lean: Select[Any] | None = None,
) -> dict[str, Any]:
    """``findings`` (unless past the end), ``counts``, ``has_more``, ``total_count``.

    ``groups`` are the selected findings already grouped (from the cache);
    ``lean`` selects the same ids as ``statement`` without joining findings.
    """
    counted = groups is None
    if groups is None:
        groups = fs.selected_groups(session, statement)
    counts = fs.counts(groups)
    total = sum(g.n for g in groups)
    if query.only_counts:
        return {"counts": counts, "total_count": total}
    offset = (query.page - 1) * query.per_page
    ids: list[int] = []
    # A count just taken says when the page is empty: skip the ids query,
    # which would otherwise walk every candidate to find nothing.
    if not counted or offset < total:
        # Sort and cut ids only, then load the page's rows: sorting whole
        # rows (JSON columns included) costs far more on large scans.
        ids_of = statement.with_only_columns(id_column) if lean is None else lean
        ids = list(
            session.scalars(
                ids_of.order_by(*fq.order_by(query, id_column))
                .offset(offset)
                .limit(query.per_page + 1)
            )
        )
    has_more = len(ids) > query.per_page
    rows = _load(session, ids[: query.per_page])
    body: dict[str, Any] = {"counts": counts, "has_more": has_more}
    if rows or query.page == 1:
        tags = serialize.extra_tags(session, [f.id for f in rows])
        body["findings"] = [
            serialize.read(
                f,
                app_id=app_ids.get(f.app_pk, ""),
                tags=tags[f.id],
                include_dataflows=query.include_dataflows,
                exclude=query.exclude,
            )
            for f in rows
        ]
    body["total_count"] = total
    return body


def _load(session: Session, ids: Sequence[int]) -> list[Finding]:
    """The findings ``ids``, in that order."""
    loaded = {
        f.id: f for f in session.scalars(select(Finding).where(Finding.id.in_(ids)))
    }
    return [loaded[i] for i in ids]


def scan_read(
    session: Session,
    scan: Scan,
    app: App,
    groups: Sequence[Group] | None = None,
) -> dict[str, Any]:
    """A scan in the wire shape with its counts, summaries and totals."""
    if groups is None:
        groups = fs.grouped_rows(session, [scan.id])[scan.id]
    return {**scans_wire.read(scan, app), **fs.fold(groups)}


def app_findings(session: Session, app: App, query: FindingQuery) -> dict[str, Any]:
    """The response of an app's findings listing."""
    scan = target_scan(session, app, query)
    source = source_scan(session, app, query.source) if query.source else None
    if scan is None:
        empty: dict[str, Any] = {"counts": [], "total_count": 0}
        if not query.only_counts:
            empty.update(findings=[], has_more=False)
        return empty
    source_id = source.id if source else None
    cached = fs.grouped_rows(session, [scan.id])[scan.id]
    ids = _occurrence_ids(scan.id, query, source_id)
    body = page(
        session,
        scan_selection(app, scan.id, query, source_id),
        query,
        {},
        groups=None if source else _groups(cached, query),
        id_column=Occurrence.finding_id,
        lean=_lean(ids, query),
    )
    for finding in body.get("findings", []):
        finding["app"] = app.app_id
    return {"scan": scan_read(session, scan, app, cached), **body}


def _visible_apps(principal: Principal) -> Select[Any]:
    statement = select(App.pk).where(App.org_id == principal.org_id)
    teams = principal.visible_team_ids()
    if teams is not None:
        statement = statement.where(App.team_id.in_(teams))
    return statement


def latest_scans(
    principal: Principal,
    tags: Sequence[tuple[str, str]] = (),
    *,
    default_branch: bool = False,
) -> Select[Any]:
    """Ids of the latest completed scan of every app the caller may see."""
    statement = select(func.max(Scan.id)).where(
        Scan.org_id == principal.org_id,
        Scan.status == "completed",
        Scan.app_pk.in_(_visible_apps(principal)),
        *_tagged(tags),
    )
    if default_branch:
        statement = statement.join(
            App, and_(App.pk == Scan.app_pk, App.default_branch == Scan.branch)
        )
    return statement.group_by(Scan.app_pk)


def org_findings(
    session: Session, principal: Principal, query: FindingQuery
) -> dict[str, Any]:
    """The response of the org-wide findings listing."""
    scans = list(session.scalars(latest_scans(principal, query.scan_tags)))
    ids = _in_scans(scans)
    groups = None
    if fq.group_filter(query) is not None:
        cached = fs.grouped_rows(session, scans)
        groups = _groups([g for group in cached.values() for g in group], query)
    app_ids = dict(
        session.execute(
            select(App.pk, App.app_id).where(App.org_id == principal.org_id)
        )
        .tuples()
        .all()
    )
    return page(
        session,
        _with_findings(ids, query, Finding.org_id == principal.org_id),
        query,
        app_ids,
        groups=groups,
        id_column=Occurrence.finding_id,
        lean=_lean(ids, query),
    )


def org_summary(
    session: Session,
    principal: Principal,
    *,
    tags: Sequence[tuple[str, str]] = (),
    types: Sequence[str] = (),
    default_branch: bool = False,
) -> dict[str, Any]:
    """Findings summaries of the org and of each app's latest scan."""
    scan_ids = list(
        session.scalars(latest_scans(principal, tags, default_branch=default_branch))
    )
    scans = list(session.scalars(select(Scan).where(Scan.id.in_(scan_ids))))
    apps = {
        a.pk: a
        for a in session.scalars(
            select(App).where(App.pk.in_([s.app_pk for s in scans]))
        )
    }
    rows = fs.grouped_rows(session, scan_ids, types)
    every = [row for group in rows.values() for row in group]
    listed = []
    for scan in sorted(scans, key=lambda s: apps[s.app_pk].app_id):
        folded = fs.fold(rows[scan.id])
        app = apps[scan.app_pk]
        listed.append(
            {
                "app": app.app_id,
                "findings_summaries": folded["findings_summaries"],
                "scan": {**scans_wire.read(scan, app), **folded},
            }
        )
    return {"findings_summaries": fs.fold(every)["findings_summaries"], "apps": listed}


def versions(
    session: Session,
    app: App,
    *,
    tags: Sequence[tuple[str, str]] = (),
    types: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Every scanned version of the app with its latest scan and summaries."""
    latest = (
        select(func.max(Scan.id))
        .where(Scan.app_pk == app.pk, Scan.status == "completed", Scan.version != "")
        .where(*_tagged(tags))
        .group_by(Scan.version)
    )
    scans = list(
        session.scalars(
            select(Scan).where(Scan.id.in_(latest)).order_by(Scan.id.desc())
        )
    )
    rows = fs.grouped_rows(session, [s.id for s in scans], types)
    return [_version(scan, app, fs.fold(rows[scan.id])) for scan in scans]


def _version(scan: Scan, app: App, folded: dict[str, Any]) -> dict[str, Any]:
    totals = {k: v for k, v in folded.items() if k != "counts"}
    return {
        "version": scan.version,
        "scan": {**scans_wire.read(scan, app), **folded},
        **totals,
    }


def version(
    session: Session,
    app: App,
    version_id: str,
    *,
    scan_id: int | None = None,
    types: Sequence[str] = (),
) -> dict[str, Any]:
    """One version's latest scan (or its scan ``scan_id``) and summaries."""
    if scan_id is not None:
        scan: Scan | None = get_scan(session, app, scan_id)
        if scan is not None and scan.version != version_id:
            raise NotFoundError(f"scan {scan_id} is not of version {version_id!r}")
    else:
        scan = latest_scan(session, app, version=version_id)
    if scan is None:
        raise NotFoundError(f"app {app.app_id!r} has no scan of version {version_id!r}")
    rows = fs.grouped_rows(session, [scan.id], types)
    return _version(scan, app, fs.fold(rows[scan.id]))


def get(session: Session, app: App, finding_id: str) -> Finding:
    """The app's finding ``finding_id`` (a numeric string), or ``NotFoundError``."""
    number = parse_id(finding_id)
    finding = session.get(Finding, number) if number is not None else None
    if finding is None or finding.app_pk != app.pk:
        raise NotFoundError(f"app {app.app_id!r} has no finding {finding_id!r}")
    return finding


def read(
    session: Session, app: App, finding: Finding, *, include_dataflows: bool = False
) -> dict[str, Any]:
    """One finding in the wire shape."""
    tags = serialize.extra_tags(session, [finding.id])[finding.id]
    return serialize.read(
        finding, app_id=app.app_id, tags=tags, include_dataflows=include_dataflows
    )
