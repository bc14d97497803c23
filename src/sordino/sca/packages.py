"""Listing a scan's packages (#46/#47) and searching the org's dependencies (#100)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.common import iso
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.findings.query import QueryError
from sordino.findings.serialize import extra_tags
from sordino.findings.tags import column_tags
from sordino.sca.models import Package
from sordino.sca.naming import full_name
from sordino.scans.models import Scan

Params = Sequence[tuple[str, str]]
CONTAINER_TYPES = frozenset({"apk", "deb", "rpm", "oci", "docker", "alpm"})
SORTS: dict[str, Any] = {
    "package": Package.name,
    "url": Package.purl,
    "name": Package.name,
    "namespace": Package.namespace,
    "type": Package.type,
    "version": Package.version,
    "license": Package.license,
    "created_at": Package.created_at,
    "num_vulns": Package.num_vulns,
    "num_reachable": Package.num_reachable,
    "num_exploitable": Package.num_exploitable,
}
# Keys a ``tag=key__eq__value`` filter may name, and the column each reads.
TAG_COLUMNS: dict[str, Any] = {
    "package_type": Package.type,
    "type": Package.type,
    "name": Package.name,
    "namespace": Package.namespace,
    "version": Package.version,
    "license": Package.license,
    "package_url": Package.purl,
    "url": Package.purl,
    "location": Package.location,
}


@dataclass(frozen=True)
class PackageQuery:
    """Filters, order and page of a package listing."""

    types: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    order: Literal["asc", "desc"] = "desc"
    page: int = 1
    per_page: int = 50


def _number(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise QueryError([f"{name}: must be an integer from {low} to {high}"])
    return int(raw)


def _tag(raw: str) -> tuple[str, str]:
    key, sep, value = raw.partition("__eq__")
    if not sep or key not in TAG_COLUMNS:
        known = ", ".join(sorted(TAG_COLUMNS))
        raise QueryError(
            [f"tag: {raw!r} is not key__eq__value with key one of {known}"]
        )
    return key, value


def parse(params: Params, *, max_per_page: int = 10_000) -> PackageQuery:
    """A ``PackageQuery`` from query parameters; ``QueryError`` names bad ones."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    last = {key: found[-1] for key, found in values.items()}
    types = tuple(values.get("type", []))
    bad = [t for t in types if t not in ("package", "container_package")]
    if bad:
        raise QueryError([f"type: {bad[0]!r} is not package or container_package"])
    sort = last.get("sort", "")
    if sort and sort not in SORTS:
        raise QueryError([f"sort: {sort!r} is not one of {', '.join(SORTS)}"])
    order = last.get("order", "desc")
    if order not in ("asc", "desc"):
        raise QueryError(["order: must be asc or desc"])
    return PackageQuery(
        types=types,
        tags=tuple(_tag(raw) for raw in values.get("tag", [])),
        sort=sort,
        order=cast(Literal["asc", "desc"], order),
        page=_number(last.get("page"), "page", 1, 1, 10**9),
        per_page=_number(last.get("per_page"), "per_page", 50, 1, max_per_page),
    )


def _conditions(query: PackageQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.types and set(query.types) != {"package", "container_package"}:
        container = Package.type.in_(sorted(CONTAINER_TYPES))
        conditions.append(
            container if "container_package" in query.types else ~container
        )
    keys: dict[str, list[str]] = {}
    for key, value in query.tags:
        keys.setdefault(key, []).append(value)
    for key, wanted in keys.items():
        conditions.append(TAG_COLUMNS[key].in_(wanted))
    return conditions


def _ordered(statement: Select[Any], query: PackageQuery) -> Select[Any]:
    column = SORTS.get(query.sort, Package.id)
    package = query.sort == "package"
    keys = [Package.namespace, Package.name] if package else [column]
    direction = [k.asc() if query.order == "asc" else k.desc() for k in keys]
    # The id breaks ties so that paging returns every row exactly once.
    tiebreak = Package.id.asc() if query.order == "asc" else Package.id.desc()
    return statement.order_by(*direction, tiebreak)


def package_read(package: Package) -> dict[str, Any]:
    """A package as the API shows it."""
    full = full_name(package.type, package.namespace, package.name)
    container = package.type in CONTAINER_TYPES
    return {
        "package": full,
        "url": package.purl,
        "name": package.name,
        "namespace": package.namespace,
        "type": package.type,
        "version": package.version,
        "license": package.license,
        "created_at": iso(package.created_at),
        "finding_type": "container_package" if container else "package",
        "num_vulns": package.num_vulns,
        "num_reachable": package.num_reachable,
        "num_exploitable": package.num_exploitable,
    }


def list_packages(
    session: Session, scans: Sequence[tuple[Scan, App]], query: PackageQuery
) -> dict[str, Any]:
    """One page of the packages the scans saw, with ``has_more`` and the total."""
    scan_ids = [scan.id for scan, _ in scans]
    base = select(Package).where(Package.scan_id.in_(scan_ids), *_conditions(query))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    offset = (query.page - 1) * query.per_page
    page = list(
        session.scalars(_ordered(base, query).offset(offset).limit(query.per_page))
    )
    return {
        "packages": [package_read(package) for package in page],
        "has_more": offset + len(page) < total,
        "total_count": total,
        "scans": [{"id": str(scan.id), "app": app.app_id} for scan, app in scans],
    }


@dataclass(frozen=True)
class DependencyQuery:
    """Search terms, time window and page of a dependency search."""

    search: tuple[str, ...]
    since: dt.datetime | None
    until: dt.datetime | None
    page: int
    per_page: int


def parse_dependencies(params: Params) -> DependencyQuery:
    """A ``DependencyQuery`` from query parameters; ``QueryError`` names bad ones."""
    last = dict(params)
    searches = tuple(v.casefold() for k, v in params if k == "search" and v)
    return DependencyQuery(
        search=searches,
        since=_epoch(last.get("from"), "from"),
        until=_epoch(last.get("until"), "until"),
        page=_number(last.get("page"), "page", 1, 1, 20),
        per_page=_number(last.get("per_page"), "per_page", 250, 0, 1000),
    )


def _epoch(raw: str | None, name: str) -> dt.datetime | None:
    if raw is None or raw == "":
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError) as exc:
        raise QueryError([f"{name}: must be a Unix timestamp in seconds"]) from exc


def _window(
    session: Session, app_pks: list[int], query: DependencyQuery
) -> tuple[dt.datetime, dt.datetime] | None:
    """[from, until]: until defaults to the newest successful scan, from to
    about four months before it."""
    until = query.until or session.scalar(
        select(func.max(Scan.created_at)).where(
            Scan.app_pk.in_(app_pks), Scan.status == "completed"
        )
    )
    if until is None:
        return None
    return query.since or until - dt.timedelta(days=120), until


def _search(text: str) -> ColumnElement[bool]:
    pattern = f"%{text}%"
    tagged = (
        select(FindingTag.finding_id)
        .where(FindingTag.finding_id == Finding.id)
        .where(func.lower(FindingTag.value).like(pattern))
        .exists()
    )
    return or_(func.lower(Finding.title).like(pattern), tagged)


def search_dependencies(
    session: Session, apps: Sequence[App], query: DependencyQuery
) -> tuple[list[dict[str, Any]], bool]:
    """Package findings of the apps seen in scans of the window, and has_more."""
    by_pk = {app.pk: app for app in apps}
    window = _window(session, list(by_pk), query) if by_pk else None
    if window is None or query.per_page == 0:
        return [], False
    seen = (
        select(Occurrence.finding_id)
        .join(Scan, Scan.id == Occurrence.scan_id)
        .where(Scan.app_pk.in_(list(by_pk)), Scan.created_at.between(*window))
    )
    statement = select(Finding).where(
        Finding.type == "package", Finding.id.in_(seen), *map(_search, query.search)
    )
    offset = (query.page - 1) * query.per_page
    rows = list(
        session.scalars(
            statement.order_by(Finding.id).offset(offset).limit(query.per_page + 1)
        )
    )
    found = rows[: query.per_page]
    tags = extra_tags(session, [f.id for f in found])
    items = [
        {
            "id": str(f.id),
            "app": by_pk[f.app_pk].app_id,
            "type": f.type,
            "title": f.title,
            "tags": column_tags(f) + tags[f.id],
        }
        for f in found
    ]
    return items, len(rows) > query.per_page
