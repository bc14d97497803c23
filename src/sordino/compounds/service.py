"""Compounds: lookup with visibility, shapes, archive, delete, scans, branches.

Every compound route reads the compound through a ``CompoundView``: the
compound with only the member apps its caller may see. Member lists, scans,
polyglot scans, findings, packages and SARIF are all narrowed to those
members, so a TEAM_DEFINED caller learns nothing of another team's apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.common import iso, parse_id
from sordino.compounds import platforms as pf
from sordino.compounds.models import Compound, PolyglotScan
from sordino.compounds.polyglot import describe, ingest_polyglot, sum_counts
from sordino.findings import summary as fs
from sordino.rbac.access import Principal
from sordino.scans import serialize as scans_wire
from sordino.scans import service as scans_service
from sordino.scans.models import Scan

__all__ = [
    "CompoundNotFound",
    "CompoundView",
    "MissingScope",
    "PartialView",
    "get",
    "get_by_name",
    "ingest_polyglot",
]
# The scope the compound delete route needs, which each member's can_delete tells.
DELETE_SCOPE = "project:delete"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class CompoundNotFound(LookupError):
    """No compound (visible to the caller) matches."""


class PartialView(PermissionError):
    """The change would touch member apps the caller cannot see (or act on)."""


class MissingScope(PermissionError):
    """The caller holds the scope on none of the compound's visible members."""


@dataclass(frozen=True)
class CompoundView:
    """A compound as one caller sees it: only the member apps it may see."""

    compound: Compound
    members: tuple[App, ...]
    complete: bool

    @property
    def id(self) -> str:
        """The compound's id."""
        return self.compound.id

    @property
    def name(self) -> str:
        """The compound's name."""
        return self.compound.name

    @property
    def member_pks(self) -> list[int]:
        """Numeric ids of the visible member apps."""
        return [app.pk for app in self.members]


def _members(session: Session, compound: Compound) -> list[App]:
    return list(
        session.scalars(
            select(App)
            .where(App.org_id == compound.org_id, App.compound_id == compound.id)
            .order_by(App.pk)
        )
    )


def _view(
    principal: Principal | None, compound: Compound, found: list[App]
) -> CompoundView:
    visible = tuple(a for a in found if principal is None or principal.can_see(a))
    return CompoundView(compound, visible, len(visible) == len(found))


def whole(session: Session, compound: Compound) -> CompoundView:
    """The compound with every member: for callers without a token (the CLI)."""
    return _view(None, compound, _members(session, compound))


def seen_by(session: Session, principal: Principal, compound: Compound) -> CompoundView:
    """The compound with the member apps ``principal`` may see."""
    return _view(principal, compound, _members(session, compound))


def _check(
    session: Session, principal: Principal, found: Compound | None, label: str
) -> CompoundView:
    view = seen_by(session, principal, found) if found is not None else None
    if view is None or not view.members:
        raise CompoundNotFound(f"no compound {label}")
    return view


def get(session: Session, principal: Principal, compound_id: str) -> CompoundView:
    """The caller's org's compound with this id."""
    found = session.get(Compound, compound_id)
    if found is not None and found.org_id != principal.org_id:
        found = None
    return _check(session, principal, found, f"with id {compound_id!r}")


def get_by_name(
    session: Session, principal: Principal, name: str, *, archived: bool = True
) -> CompoundView:
    """The compound named ``name``; an archived one only when ``archived``."""
    found = session.scalar(
        select(Compound).where(
            Compound.org_id == principal.org_id, Compound.name == name
        )
    )
    if found is not None and found.is_archived and not archived:
        found = None
    return _check(session, principal, found, f"named {name!r}")


def narrow(
    view: CompoundView, principal: Principal, scopes: Sequence[str]
) -> CompoundView:
    """The view's members on which the caller holds one of ``scopes``.

    A scope counts org-wide or through the member app's team; the view stays
    complete only when every member is kept.
    """
    kept = tuple(
        app
        for app in view.members
        if any(principal.has(scope, team_id=app.team_id) for scope in scopes)
    )
    return CompoundView(view.compound, kept, view.complete and kept == view.members)


def require_whole(view: CompoundView) -> Compound:
    """The compound, for a change that affects every member app."""
    if not view.complete:
        raise PartialView(f"compound {view.name!r} has member apps you cannot act on")
    return view.compound


def shallow(session: Session, compound: CompoundView | Compound) -> dict[str, Any]:
    """Id, name and member app ids.

    A bare ``Compound`` comes from a caller without a token (the CLI's own
    store) and is shown whole; routes pass the caller's ``CompoundView``.
    """
    view = compound if isinstance(compound, CompoundView) else whole(session, compound)
    ids = sorted(app.app_id for app in view.members)
    return {"id": view.id, "name": view.name, "apps": ids}


def shallow_by_name(
    session: Session, principal: Principal, name: str, scope: str
) -> Any:
    """The shallow compound ``name``, else one built from the app of that id.

    Only members on which the caller holds ``scope`` are listed; none at all
    raises ``MissingScope``.
    """
    try:
        view = get_by_name(session, principal, name)
    except CompoundNotFound:
        app = apps.get_by_app_id(session, principal.org_id, name)
        if app is None or not principal.can_see(app):
            raise
        if not app.compound_id:
            if not principal.has(scope, team_id=app.team_id):
                raise MissingScope(f"this operation needs the scope {scope}") from None
            return {"id": app.app_id, "name": app.name, "apps": [app.app_id]}
        view = get(session, principal, app.compound_id)
    narrowed = narrow(view, principal, [scope])
    if not narrowed.members:
        raise MissingScope(f"this operation needs the scope {scope}")
    return shallow(session, narrowed)


def _member(
    session: Session, principal: Principal, app: App, compound: Compound
) -> dict[str, Any]:
    durations = [
        (scan.completed_at - scan.started_at).total_seconds() * 1000
        for scan in session.scalars(
            select(Scan).where(Scan.app_pk == app.pk).order_by(Scan.id.desc()).limit(20)
        )
        if scan.completed_at is not None
    ]
    body: dict[str, Any] = {
        "id": app.app_id,
        "name": app.name,
        "can_delete": principal.has(DELETE_SCOPE, team_id=app.team_id),
        "is_subscription_active": True,
        "configuration": {
            "analysis_configuration": apps.configuration(app)["analysis_configuration"]
        },
        "compound": compound.id,
        "platform": app.platform or "",
    }
    if durations:
        body["avg_scan_duration_ms"] = int(sum(durations) / len(durations))
    return body


def full(session: Session, principal: Principal, view: CompoundView) -> dict[str, Any]:
    """Id, name and every visible member app keyed by its numeric id."""
    return {
        "id": view.id,
        "name": view.name,
        "is_archived": view.compound.is_archived,
        "apps": {
            str(app.pk): _member(session, principal, app, view.compound)
            for app in view.members
        },
    }


def list_compounds(
    session: Session, principal: Principal, *, archived: bool, page: int, per_page: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of compounds (archived ones, or the others) and whether more follow."""
    statement = (
        select(Compound)
        .where(Compound.org_id == principal.org_id, Compound.is_archived == archived)
        .order_by(Compound.name)
    )
    member_apps: dict[str, list[App]] = {}
    for app in session.scalars(
        select(App)
        .where(App.org_id == principal.org_id, App.compound_id.is_not(None))
        .order_by(App.pk)
    ):
        member_apps.setdefault(app.compound_id or "", []).append(app)
    views = [
        _view(principal, compound, member_apps.get(compound.id, []))
        for compound in session.scalars(statement)
    ]
    found = [view for view in views if view.members]
    start = (page - 1) * per_page
    chosen = found[start : start + per_page]
    return [full(session, principal, v) for v in chosen], len(found) > start + per_page


def delete(session: Session, view: CompoundView) -> None:
    """Delete the compound, its member apps and everything scanned of them."""
    compound = require_whole(view)
    for app in view.members:
        apps.delete_app(session, app)
    session.delete(compound)
    session.flush()


# Scans ------------------------------------------------------------------------


def _member_scans(view: CompoundView) -> Any:
    return (
        select(Scan, App)
        .join(App, App.pk == Scan.app_pk)
        .where(App.compound_id == view.id, App.pk.in_(view.member_pks))
    )


def polyglot_scans(view: CompoundView) -> Select[tuple[PolyglotScan]]:
    """The compound's polyglot scans that hold a member scan the view shows."""
    statement = select(PolyglotScan).where(PolyglotScan.compound_id == view.id)
    if view.complete:
        return statement
    return statement.where(
        exists().where(
            Scan.polyglot_scan_id == PolyglotScan.id,
            Scan.app_pk.in_(view.member_pks),
        )
    )


def scan_read(session: Session, scan: Scan, app: App) -> dict[str, Any]:
    """A member scan with its counts and summaries."""
    return {
        **scans_wire.read(scan, app),
        **fs.scan_summaries(session, [scan.id])[scan.id],
    }


def scans(
    session: Session,
    view: CompoundView,
    *,
    status: str | None = None,
    branch: str | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The compound's member scans, newest first; ``status`` as app scans take it."""
    statement = scans_service.with_status(_member_scans(view), status)
    if branch is not None:
        statement = statement.where(Scan.branch == branch)
    rows = session.execute(statement.order_by(Scan.id.desc()).limit(limit)).all()
    return [scan_read(session, scan, app) for scan, app in rows]


def scan(session: Session, view: CompoundView, scan_id: str) -> dict[str, Any]:
    """One member scan of the compound."""
    row = None
    number = parse_id(scan_id)
    if number is not None:
        row = session.execute(_member_scans(view).where(Scan.id == number)).first()
    if row is None:
        raise CompoundNotFound(f"compound {view.name!r} has no scan {scan_id!r}")
    return scan_read(session, row[0], row[1])


def branches(session: Session, view: CompoundView) -> list[str]:
    """Branches the compound was scanned on, most recent first."""
    rows = session.scalars(
        polyglot_scans(view)
        .with_only_columns(PolyglotScan.branch)
        .where(PolyglotScan.branch != "")
        .group_by(PolyglotScan.branch)
        .order_by(func.max(PolyglotScan.id).desc())
    )
    member = session.scalars(
        _member_scans(view)
        .with_only_columns(Scan.branch)
        .where(Scan.branch != "")
        .distinct()
    )
    found = list(rows)
    return found + sorted(set(member) - set(found))


def _from_nanoseconds(value: int) -> dt.datetime | None:
    """The time ``value`` ns after the epoch; None past the last representable one.

    Every scan was created before such a time, so "before it" is no bound.
    """
    seconds, nanoseconds = divmod(value, 10**9)
    try:
        return EPOCH + dt.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
    except OverflowError:
        return None


def _seen_part(
    polyglot: PolyglotScan, seen: Sequence[tuple[Scan, App]]
) -> dict[str, Any]:
    """Platforms, languages, counts and failures of the member scans in ``seen``."""
    mine = {app.platform for _, app in seen}
    platforms = [p for p in polyglot.platforms if p in mine]
    # Counts per member were kept from the first polyglot scan on; none are
    # shown when they were not: whole-compound counts would tell of the others.
    per_member = polyglot.counts.get("members", {})
    failures = [describe(failure) for scan, _ in seen for failure in scan.failures]
    return {
        "languages": [
            lang for lang in polyglot.languages if pf.of_language(lang) in mine
        ],
        "platforms": platforms,
        "counts": sum_counts([per_member.get(p, {}) for p in platforms]),
        "failures": list(dict.fromkeys(failures)),
    }


def polyglot_read(
    polyglot: PolyglotScan, seen: Sequence[tuple[Scan, App]] | None = None
) -> dict[str, Any]:
    """The streamlined view of a polyglot scan; with ``seen``, of those members.

    ``seen`` are the member scans a caller may see when it cannot see them
    all: platforms, languages, counts and failures are then theirs alone.
    """
    part: dict[str, Any] = {
        "languages": list(polyglot.languages),
        "platforms": list(polyglot.platforms),
        "counts": polyglot.counts,
        "failures": list(polyglot.failures),
    }
    if seen is not None:
        part = _seen_part(polyglot, seen)
    counts = part["counts"]
    return {
        "polyglot_scan_id": polyglot.id,
        "created_at": iso(polyglot.created_at),
        "agent": polyglot.agent,
        "branch": polyglot.branch,
        "version": polyglot.version,
        "languages": part["languages"],
        "platforms": part["platforms"],
        "vulns": dict(counts.get("vulns", {})),
        "oss_vulns": dict(counts.get("oss_vulns", {})),
        "container_vulns": dict(counts.get("container_vulns", {})),
        "secrets": int(counts.get("secrets", 0)),
        "oss_risks": int(counts.get("oss_risks", 0)),
        "failures": part["failures"],
    }


def seen_member_scans(
    session: Session, view: CompoundView, polyglot_ids: Sequence[int]
) -> dict[int, list[tuple[Scan, App]]]:
    """The visible member scans of each of these polyglot scans."""
    rows = session.execute(
        _member_scans(view)
        .where(Scan.polyglot_scan_id.in_(polyglot_ids))
        .order_by(Scan.id)
    ).tuples()
    found: dict[int, list[tuple[Scan, App]]] = {}
    for scan, app in rows:
        found.setdefault(scan.polyglot_scan_id or 0, []).append((scan, app))
    return found


def polyglot_seen(
    session: Session, view: CompoundView, polyglot: PolyglotScan
) -> dict[str, Any]:
    """The streamlined view of one polyglot scan as ``view`` shows it."""
    if view.complete:
        return polyglot_read(polyglot)
    seen = seen_member_scans(session, view, [polyglot.id])
    return polyglot_read(polyglot, seen.get(polyglot.id, []))


def streamlined(
    session: Session,
    view: CompoundView,
    *,
    limit: int = 10,
    branch: str | None = None,
    upto: int | None = None,
) -> dict[str, Any]:
    """The latest polyglot scans in their light form, and every agent seen."""
    statement = polyglot_scans(view)
    if branch is not None:
        statement = statement.where(PolyglotScan.branch == branch)
    before = _from_nanoseconds(upto) if upto is not None else None
    if before is not None:
        statement = statement.where(PolyglotScan.created_at < before)
    chosen = list(
        session.scalars(statement.order_by(PolyglotScan.id.desc()).limit(limit))
    )
    agents = session.scalars(
        polyglot_scans(view)
        .with_only_columns(PolyglotScan.agent)
        .where(PolyglotScan.agent != "")
        .distinct()
        .order_by(PolyglotScan.agent)
    )
    if view.complete:
        listed = [polyglot_read(p) for p in chosen]
    else:
        seen = seen_member_scans(session, view, [p.id for p in chosen])
        listed = [polyglot_read(p, seen.get(p.id, [])) for p in chosen]
    return {"agents": list(agents), "scans": listed}
