"""Matching packages against the local advisory database."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import structlog
from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from sordino.ingest.bundle import PackageRecord
from sordino.vulndb.models import Advisory, AffectedPackage
from sordino.vulndb.scoring import Score, score
from sordino.vulndb.versions import (
    PURL_ECOSYSTEMS,
    ParsedRange,
    UnparsableVersion,
    in_range,
    normalize_name,
    parse_range,
    parse_version,
)

log = structlog.get_logger(__name__)

_CHUNK = 400
_CWE = re.compile(r"CWE-(\d+)")


@dataclass
class VulnMatch:
    """One vulnerability of one package, aliases merged into one advisory."""

    package: PackageRecord
    ecosystem: str
    advisory_id: str
    aliases: list[str]
    cve: str
    summary: str
    details: str
    severity: str
    cvss_score: float | None
    cvss_vector: str
    fix: str
    fixed_versions: list[str]
    symbols: list[str]
    modules: list[str]
    cwe_ids: list[int]
    published: str = ""
    references: list[str] = field(default_factory=list)


@dataclass
class MatchStats:
    """Counts that explain a match run: ranges skipped and why."""

    packages: int = 0
    looked_up: int = 0
    git_ranges_skipped: int = 0
    unparsable_ranges: int = 0
    matches: int = 0


@dataclass(frozen=True)
class _Hit:
    advisory_id: str
    fixed: tuple[str, ...]
    symbols: tuple[str, ...]
    modules: tuple[str, ...]


def package_key(package: PackageRecord) -> tuple[str, str] | None:
    """(OSV ecosystem, normalized name) of a package, or None when unsupported."""
    ecosystem = PURL_ECOSYSTEMS.get(package.type)
    if ecosystem is None:
        return None
    if ecosystem == "Maven":
        name = f"{package.namespace}:{package.name}"
    elif package.namespace:
        name = f"{package.namespace}/{package.name}"
    else:
        name = package.name
    return ecosystem, normalize_name(ecosystem, name)


@dataclass(frozen=True)
class _Parsed:
    ranges: list[ParsedRange]
    git: int
    bad: int
    versions: frozenset[str]
    fixed: tuple[str, ...]
    symbols: tuple[str, ...]
    modules: tuple[str, ...]


_RANGE_CACHE: dict[tuple[int, str], _Parsed] = {}
_SCORE_CACHE: dict[tuple[str, str], Score] = {}
_AFFECTS_CACHE: dict[tuple[int, str, str], bool] = {}


def clear_caches() -> None:
    """Forget parsed ranges and scores (after an import changed advisories)."""
    _RANGE_CACHE.clear()
    _SCORE_CACHE.clear()
    _AFFECTS_CACHE.clear()
    _lowest_fix.cache_clear()


def _parsed(row: Any) -> _Parsed:
    """Parsed ranges and versions of an affected row, cached across calls."""
    key = (row.id, row.advisory_id)
    cached = _RANGE_CACHE.get(key)
    if cached is None:
        if len(_RANGE_CACHE) > 500_000:
            _RANGE_CACHE.clear()
        ranges, git, bad = _ranges(row.ecosystem, _json(row.ranges))
        cached = _Parsed(
            ranges=ranges,
            git=git,
            bad=bad,
            versions=frozenset(_json(row.versions)),
            fixed=tuple(f for r in ranges for f in r.fixed),
            symbols=tuple(_json(row.symbols)),
            modules=tuple(_json(row.modules)),
        )
        _RANGE_CACHE[key] = cached
    return cached


def _json(value: Any) -> Any:
    """A JSON column fetched as text (SQLite) or already decoded (psycopg)."""
    if isinstance(value, str | bytes):
        return json.loads(value) or []
    return value or []


def _ranges(ecosystem: str, items: list[Any]) -> tuple[list[ParsedRange], int, int]:
    """Parsed ranges of an affected row plus counts of GIT and unreadable ranges."""
    parsed, git, bad = [], 0, 0
    for item in items:
        if item.get("type") == "GIT":
            git += 1
            continue
        try:
            parsed.append(parse_range(ecosystem, item.get("events") or []))
        except UnparsableVersion:
            bad += 1
    return parsed, git, bad


def _affects(row: Any, version: str, stats: MatchStats) -> bool:
    parsed = _parsed(row)
    stats.git_ranges_skipped += parsed.git
    stats.unparsable_ranges += parsed.bad
    key = (row.id, row.advisory_id, version)
    verdict = _AFFECTS_CACHE.get(key)
    if verdict is None:
        if len(_AFFECTS_CACHE) > 1_000_000:
            _AFFECTS_CACHE.clear()
        verdict = _evaluate(row.ecosystem, parsed, version)
        _AFFECTS_CACHE[key] = verdict
    return verdict


def _evaluate(ecosystem: str, parsed: _Parsed, version: str) -> bool:
    if version in parsed.versions or version.removeprefix("v") in parsed.versions:
        return True
    if not parsed.ranges:
        return False
    try:
        installed = parse_version(ecosystem, version)
    except UnparsableVersion:
        return False
    return any(in_range(installed, r) for r in parsed.ranges)


# JSON columns come back as text and are decoded only for rows not yet cached.
_AFFECTED_COLUMNS = (
    AffectedPackage.id,
    AffectedPackage.advisory_id,
    AffectedPackage.ecosystem,
    AffectedPackage.name,
    type_coerce(AffectedPackage.ranges, Text).label("ranges"),
    type_coerce(AffectedPackage.versions, Text).label("versions"),
    type_coerce(AffectedPackage.symbols, Text).label("symbols"),
    type_coerce(AffectedPackage.modules, Text).label("modules"),
)
_ADVISORY_COLUMNS = (
    Advisory.id,
    Advisory.modified,
    Advisory.published,
    Advisory.summary,
    Advisory.details,
    Advisory.aliases,
    Advisory.severity,
    Advisory.references,
    Advisory.database_specific,
)


def _lookup(
    session: Session, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], list[Any]]:
    """Affected rows of non-withdrawn advisories for each (ecosystem, name).

    One ``ecosystem = ? AND name IN (...)`` query per chunk, which walks the
    (ecosystem, name) index, unlike a row-value IN. Plain rows of the needed
    columns, not ORM objects: identity-map bookkeeping would dominate.
    """
    names: dict[str, list[str]] = defaultdict(list)
    for ecosystem, name in keys:
        names[ecosystem].append(name)
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for ecosystem, wanted in sorted(names.items()):
        for start in range(0, len(wanted), _CHUNK):
            statement = (
                select(*_AFFECTED_COLUMNS)
                .join(Advisory, Advisory.id == AffectedPackage.advisory_id)
                .where(AffectedPackage.ecosystem == ecosystem)
                .where(AffectedPackage.name.in_(wanted[start : start + _CHUNK]))
                .where(Advisory.withdrawn.is_(None))
            )
            for row in session.execute(statement):
                found[(row.ecosystem, row.name)].append(row)
    return found


def _hits(rows: Iterable[Any], version: str, stats: MatchStats) -> dict[str, _Hit]:
    hits: dict[str, _Hit] = {}
    for row in rows:
        if not _affects(row, version, stats):
            continue
        parsed = _parsed(row)
        fixed, symbols, modules = parsed.fixed, parsed.symbols, parsed.modules
        previous = hits.get(row.advisory_id)
        if previous is not None:
            fixed += previous.fixed
            symbols += previous.symbols
            modules += previous.modules
        hits[row.advisory_id] = _Hit(row.advisory_id, fixed, symbols, modules)
    return hits


def match(
    session: Session, packages: list[PackageRecord], stats: MatchStats | None = None
) -> list[VulnMatch]:
    """Vulnerabilities of ``packages``: one match per package and aliased advisory."""
    stats = stats if stats is not None else MatchStats()
    stats.packages = len(packages)
    keyed = [(p, k) for p in packages if p.version and (k := package_key(p))]
    rows = _lookup(session, sorted({k for _, k in keyed}))
    stats.looked_up = len(rows)
    per_package = [(p, k, _hits(rows.get(k, []), p.version, stats)) for p, k in keyed]
    wanted = {i for _, _, hits in per_package for i in hits}
    advisories = _load_advisories(session, wanted)
    matches: list[VulnMatch] = []
    for package, (ecosystem, _), hits in per_package:
        for group in _alias_groups([advisories[i] for i in hits]):
            matches.append(_build(package, ecosystem, group, hits))
    stats.matches = len(matches)
    log.info(
        "vulndb.matched",
        packages=stats.packages,
        matches=stats.matches,
        git_ranges_skipped=stats.git_ranges_skipped,
    )
    return matches


def _load_advisories(session: Session, ids: set[str]) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        statement = select(*_ADVISORY_COLUMNS).where(Advisory.id.in_(chunk))
        for advisory in session.execute(statement):
            loaded[advisory.id] = advisory
    return loaded


def _alias_groups(advisories: list[Any]) -> list[list[Any]]:
    """Advisories that share an id or alias, grouped (connected components)."""
    if len(advisories) == 1:
        return [advisories]
    groups: list[tuple[set[str], list[Any]]] = []
    for advisory in sorted(advisories, key=lambda a: a.id):
        names = {advisory.id, *advisory.aliases}
        joined = [g for g in groups if g[0] & names]
        merged_names, merged = set(names), [advisory]
        for group in joined:
            merged_names |= group[0]
            merged += group[1]
            groups.remove(group)
        groups.append((merged_names, merged))
    return [sorted(g[1], key=_preference) for g in groups]


def _preference(advisory: Any) -> tuple[int, int, str]:
    """Prefer the advisory with a severity vector, then a non-CVE native id."""
    return (0 if advisory.severity else 1, advisory.id.startswith("CVE-"), advisory.id)


@lru_cache(maxsize=100_000)
def _lowest_fix(ecosystem: str, installed: str, fixed: tuple[str, ...]) -> str:
    """The smallest fixed version above ``installed``; cached because the same
    (package version, fix list) pair recurs across packages and scans."""
    try:
        current = parse_version(ecosystem, installed)
    except UnparsableVersion:
        return fixed[0] if fixed else ""
    candidates = []
    for text in fixed:
        try:
            version = parse_version(ecosystem, text)
        except UnparsableVersion:
            continue
        if version > current:
            candidates.append((version, text))
    return min(candidates)[1] if candidates else ""


def _build(
    package: PackageRecord,
    ecosystem: str,
    group: list[Any],
    hits: dict[str, _Hit],
) -> VulnMatch:
    primary = group[0]
    names = {primary.id}
    for advisory in group:
        names |= {advisory.id, *advisory.aliases}
    aliases = sorted(names - {primary.id})
    cves = sorted(n for n in names if n.startswith("CVE-"))
    fixed = sorted({f for a in group for f in hits[a.id].fixed})
    best = next((a for a in group if a.severity), primary)
    rated = _score(best)
    fix_version = _lowest_fix(ecosystem, package.version, tuple(fixed))
    return VulnMatch(
        package=package,
        ecosystem=ecosystem,
        advisory_id=primary.id,
        aliases=aliases,
        cve=cves[0] if cves else "",
        summary=next((a.summary for a in group if a.summary), ""),
        details=next((a.details for a in group if a.details), ""),
        severity=rated.rating,
        cvss_score=rated.score,
        cvss_vector=rated.vector,
        fix=f"Upgrade to {fix_version}" if fix_version else "",
        fixed_versions=fixed,
        symbols=sorted({s for a in group for s in hits[a.id].symbols}),
        modules=sorted({m for a in group for m in hits[a.id].modules}),
        cwe_ids=_cwes(group),
        published=primary.published.isoformat() if primary.published else "",
        references=[str(r.get("url", "")) for r in primary.references][:20],
    )


def _score(advisory: Any) -> Score:
    """The advisory's score; cached because CVSS parsing is slow and repeats."""
    key = (advisory.id, str(advisory.modified))
    cached = _SCORE_CACHE.get(key)
    if cached is None:
        if len(_SCORE_CACHE) > 200_000:
            _SCORE_CACHE.clear()
        cached = score(advisory.severity, advisory.database_specific)
        _SCORE_CACHE[key] = cached
    return cached


def _cwes(group: list[Any]) -> list[int]:
    found: set[int] = set()
    for advisory in group:
        for text in advisory.database_specific.get("cwe_ids") or []:
            found |= {int(n) for n in _CWE.findall(str(text))}
    return sorted(found)
