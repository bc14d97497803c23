"""Compounds: lookup with visibility, shapes, archive, delete, scans, branches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.common import iso, parse_id
from sordino.compounds.models import Compound, PolyglotScan
from sordino.compounds.polyglot import ingest_polyglot
from sordino.findings import summary as fs
from sordino.rbac.access import Principal
from sordino.scans import serialize as scans_wire
from sordino.scans.models import Scan

__all__ = ["CompoundNotFound", "get", "get_by_name", "ingest_polyglot"]


class CompoundNotFound(LookupError):
    """No compound (visible to the caller) matches."""


def members(session: Session, compound: Compound) -> list[App]:
    """The compound's member apps, oldest first."""
    return list(
        session.scalars(
            select(App)
            .where(App.org_id == compound.org_id, App.compound_id == compound.id)
            .order_by(App.pk)
        )
    )


def can_see(session: Session, principal: Principal, compound: Compound) -> bool:
    """A compound is visible when the caller may see one of its member apps."""
    if not principal.team_defined:
        return True
    return any(principal.can_see(app) for app in members(session, compound))


def _check(
    session: Session, principal: Principal, found: Compound | None, label: str
) -> Compound:
    if found is None or not can_see(session, principal, found):
        raise CompoundNotFound(f"no compound {label}")
    return found


def get(session: Session, principal: Principal, compound_id: str) -> Compound:
    """The caller's org's compound with this id."""
    found = session.get(Compound, compound_id)
    if found is not None and found.org_id != principal.org_id:
        found = None
    return _check(session, principal, found, f"with id {compound_id!r}")


def get_by_name(
    session: Session, principal: Principal, name: str, *, archived: bool = True
) -> Compound:
    """The compound named ``name``; an archived one only when ``archived``."""
    found = session.scalar(
        select(Compound).where(
            Compound.org_id == principal.org_id, Compound.name == name
        )
    )
    if found is not None and found.is_archived and not archived:
        found = None
    return _check(session, principal, found, f"named {name!r}")


def shallow(session: Session, compound: Compound) -> dict[str, Any]:
    """Id, name and member app ids."""
    ids = sorted(app.app_id for app in members(session, compound))
    return {"id": compound.id, "name": compound.name, "apps": ids}


def shallow_by_name(session: Session, principal: Principal, name: str) -> Any:
    """The shallow compound ``name``, else one built from the app of that id."""
    try:
        return shallow(session, get_by_name(session, principal, name))
    except CompoundNotFound:
        app = apps.get_by_app_id(session, principal.org_id, name)
        if app is None or not principal.can_see(app):
            raise
    if app.compound_id:
        return shallow(session, get(session, principal, app.compound_id))
    return {"id": app.app_id, "name": app.name, "apps": [app.app_id]}


def _member(session: Session, app: App, compound: Compound) -> dict[str, Any]:
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
        "can_delete": True,
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


def full(session: Session, compound: Compound) -> dict[str, Any]:
    """Id, name and every member app keyed by its numeric id."""
    return {
        "id": compound.id,
        "name": compound.name,
        "is_archived": compound.is_archived,
        "apps": {
            str(app.pk): _member(session, app, compound)
            for app in members(session, compound)
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
    found = [c for c in session.scalars(statement) if can_see(session, principal, c)]
    start = (page - 1) * per_page
    chosen = found[start : start + per_page]
    return [full(session, c) for c in chosen], len(found) > start + per_page


def delete(session: Session, compound: Compound) -> None:
    """Delete the compound, its member apps and everything scanned of them."""
    for app in members(session, compound):
        apps.delete_app(session, app)
    session.delete(compound)
    session.flush()


# Scans ------------------------------------------------------------------------


def _member_scans(compound: Compound) -> Any:
    return (
        select(Scan, App)
        .join(App, App.pk == Scan.app_pk)
        .where(App.org_id == compound.org_id, App.compound_id == compound.id)
    )


def scan_read(session: Session, scan: Scan, app: App) -> dict[str, Any]:
    """A member scan with its counts and summaries."""
    return {
        **scans_wire.read(scan, app),
        **fs.scan_summaries(session, [scan.id])[scan.id],
    }


def scans(
    session: Session,
    compound: Compound,
    *,
    status: str | None = None,
    branch: str | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The compound's member scans, newest first."""
    statement = _member_scans(compound)
    if status == "failed":
        statement = statement.where(
            (Scan.status == "failed") | (Scan.successful.is_(False))
        )
    elif status == "running":
        statement = statement.where(Scan.status.in_(("running", "queued")))
    elif status == "completed":
        statement = statement.where(
            Scan.status == "completed", Scan.successful.is_(True)
        )
    if branch is not None:
        statement = statement.where(Scan.branch == branch)
    rows = session.execute(statement.order_by(Scan.id.desc()).limit(limit)).all()
    return [scan_read(session, scan, app) for scan, app in rows]


def scan(session: Session, compound: Compound, scan_id: str) -> dict[str, Any]:
    """One member scan of the compound."""
    row = None
    number = parse_id(scan_id)
    if number is not None:
        row = session.execute(_member_scans(compound).where(Scan.id == number)).first()
    if row is None:
        raise CompoundNotFound(f"compound {compound.name!r} has no scan {scan_id!r}")
    return scan_read(session, row[0], row[1])


def branches(session: Session, compound: Compound) -> list[str]:
    """Branches the compound was scanned on, most recent first."""
    rows = session.scalars(
        select(PolyglotScan.branch)
        .where(PolyglotScan.compound_id == compound.id, PolyglotScan.branch != "")
        .group_by(PolyglotScan.branch)
        .order_by(func.max(PolyglotScan.id).desc())
    )
    member = session.scalars(
        _member_scans(compound)
        .with_only_columns(Scan.branch)
        .where(Scan.branch != "")
        .distinct()
    )
    found = list(rows)
    return found + sorted(set(member) - set(found))


def _from_nanoseconds(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value / 1e9, tz=dt.UTC)


def polyglot_read(polyglot: PolyglotScan) -> dict[str, Any]:
    """The streamlined view of a polyglot scan."""
    counts = polyglot.counts
    return {
        "polyglot_scan_id": polyglot.id,
        "created_at": iso(polyglot.created_at),
        "agent": polyglot.agent,
        "branch": polyglot.branch,
        "version": polyglot.version,
        "languages": list(polyglot.languages),
        "platforms": list(polyglot.platforms),
        "vulns": dict(counts.get("vulns", {})),
        "oss_vulns": dict(counts.get("oss_vulns", {})),
        "container_vulns": dict(counts.get("container_vulns", {})),
        "secrets": int(counts.get("secrets", 0)),
        "oss_risks": int(counts.get("oss_risks", 0)),
        "failures": list(polyglot.failures),
    }


def streamlined(
    session: Session,
    compound: Compound,
    *,
    limit: int = 10,
    branch: str | None = None,
    upto: int | None = None,
) -> dict[str, Any]:
    """The latest polyglot scans in their light form, and every agent seen."""
    statement = select(PolyglotScan).where(PolyglotScan.compound_id == compound.id)
    if branch is not None:
        statement = statement.where(PolyglotScan.branch == branch)
    if upto is not None:
        statement = statement.where(PolyglotScan.created_at < _from_nanoseconds(upto))
    chosen = session.scalars(statement.order_by(PolyglotScan.id.desc()).limit(limit))
    agents = session.scalars(
        select(PolyglotScan.agent)
        .where(PolyglotScan.compound_id == compound.id, PolyglotScan.agent != "")
        .distinct()
        .order_by(PolyglotScan.agent)
    )
    return {"agents": list(agents), "scans": [polyglot_read(p) for p in chosen]}
