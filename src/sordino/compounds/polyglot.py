"""Polyglot ingest: one bundle of a multi-language tree becomes a compound scan.

The bundle is split by platform; each part is ingested through the one ingest
service as a scan of the compound's member app for that platform, and a
``PolyglotScan`` row groups those member scans with counts over all of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.apps import service as apps
from sordino.compounds import platforms as pf
from sordino.compounds.models import Compound, PolyglotScan
from sordino.db import utcnow
from sordino.ingest.bundle import (
    EngineFailure,
    FindingRecord,
    PackageRecord,
    ScanBundle,
    analysis_succeeded,
)
from sordino.ingest.service import create_scan, ingest
from sordino.scans.models import Scan

log = structlog.get_logger()
SEVERITIES = ("critical", "high", "medium", "low")


class PolyglotError(ValueError):
    """A bundle that cannot be stored as a polyglot scan."""


def platforms(bundle: ScanBundle) -> list[str]:
    """Every platform the bundle's languages, findings and packages touch."""
    found = {pf.of_language(name) for name in bundle.languages}
    found |= {pf.of_finding(record) for record in bundle.findings}
    found |= {pf.of_package(package) for package in bundle.packages}
    return sorted(name for name in found if name)


def _failures_of(
    bundle: ScanBundle, packages: Mapping[str, list[PackageRecord]]
) -> dict[str, list[EngineFailure]]:
    """Each platform's share of the bundle's engine failures, each its own copy."""
    members = {platform: bool(packages.get(platform)) for platform in platforms(bundle)}
    shares: dict[str, list[EngineFailure]] = {platform: [] for platform in members}
    for failure in bundle.failures:
        for platform in pf.concerned(failure.engine, members):
            shares[platform].append(failure.model_copy())
    return shares


def split(bundle: ScanBundle, compound: str) -> dict[str, ScanBundle]:
    """One bundle per platform, each addressed to the compound's member app.

    Each part has lists of its own (ingest adds to them) and only the engine
    failures that concern its platform.
    """
    findings: defaultdict[str, list[FindingRecord]] = defaultdict(list)
    for record in bundle.findings:
        findings[pf.of_finding(record)].append(record)
    packages: defaultdict[str, list[PackageRecord]] = defaultdict(list)
    for package in bundle.packages:
        packages[pf.of_package(package)].append(package)
    failures = _failures_of(bundle, packages)
    parts = {}
    for platform in platforms(bundle):
        languages = [n for n in bundle.languages if pf.of_language(n) == platform]
        parts[platform] = bundle.model_copy(
            update={
                "app": pf.member_id(compound, platform),
                "app_name": compound,
                "platform": platform,
                "language": pf.PLATFORM_LANGUAGES.get(platform, ""),
                "languages": languages,
                "findings": list(findings.get(platform, [])),
                "packages": list(packages.get(platform, [])),
                "failures": failures[platform],
            }
        )
    return parts


def counts(findings: Iterable[FindingRecord]) -> dict[str, Any]:
    """A polyglot scan's headline counts over every unsuppressed finding."""
    live = [record for record in findings if not record.suppressed]
    by_type: Counter[tuple[str, str]] = Counter((r.type, r.severity) for r in live)

    def severities(kind: str) -> dict[str, int]:
        return {s: by_type[(kind, s)] for s in SEVERITIES}

    def unreachable(kind: str) -> int:
        return sum(
            1
            for r in live
            if r.type == kind
            and (r.reachable is False or r.tags.get("reachability") == "unreachable")
        )

    risky = {
        r.tags.get("package_url", r.rule_id).split("@")[0]
        for r in live
        if r.type == "oss_vuln"
    }
    return {
        "vulns": severities("vuln"),
        "oss_vulns": {**severities("oss_vuln"), "unreachable": unreachable("oss_vuln")},
        "container_vulns": {
            **severities("container"),
            "unreachable": unreachable("container"),
        },
        "secrets": sum(1 for r in live if r.type == "secret"),
        "oss_risks": len(risky),
    }


def sum_counts(parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline counts of several members added up (a missing count is 0)."""
    total = counts([])
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(total.get(key), dict):
                for name, count in value.items():
                    total[key][name] = total[key].get(name, 0) + int(count)
            elif isinstance(total.get(key), int):
                total[key] += int(value)
    return total


def ensure_compound(session: Session, org_id: str, name: str) -> Compound:
    """The org's compound ``name``, created on first use."""
    compound = session.scalar(
        select(Compound).where(Compound.org_id == org_id, Compound.name == name)
    )
    if compound is None:
        compound = Compound(org_id=org_id, name=name)
        session.add(compound)
        session.flush()
    return compound


def describe(failure: Mapping[str, Any]) -> str:
    """An engine failure (as a scan stores it) as the polyglot scan lists it."""
    message = failure.get("message") or ""
    text = f"{failure.get('engine', '')} {failure.get('reason', '')}"
    return text + (f": {message}" if message else "")


def _once(failures: Iterable[EngineFailure]) -> list[EngineFailure]:
    unique = {(f.engine, f.reason, f.message): f for f in failures}
    return list(unique.values())


def _ingest_member(
    session: Session, compound: Compound, polyglot: PolyglotScan, part: ScanBundle
) -> Scan:
    app = apps.ensure(session, compound.org_id, part.app, compound.name)
    app.compound_id = compound.id
    app.platform = part.platform
    scan = create_scan(session, compound.org_id, app, part)
    scan.polyglot_scan_id = polyglot.id
    ingest(session, compound.org_id, part, scan=scan)
    # Ingest adds the failures it met itself (no advisory data, say).
    part.failures = _once(part.failures)
    scan.failures = [failure.model_dump() for failure in part.failures]
    scan.successful = analysis_succeeded(part.failures)
    return scan


def ingest_polyglot(
    session: Session, org_id: str, compound_name: str, bundle: ScanBundle
) -> PolyglotScan:
    """Store ``bundle`` as one polyglot scan of compound ``compound_name``.

    Its counts are kept for the whole and per member (for a caller who sees
    some members only); its failures are every member's, each listed once.
    """
    parts = split(bundle, compound_name)
    if not parts:
        raise PolyglotError("the bundle holds no language, finding or package")
    compound = ensure_compound(session, org_id, compound_name)
    now = utcnow()
    polyglot = PolyglotScan(
        org_id=org_id,
        compound_id=compound.id,
        version=bundle.version,
        branch=bundle.branch,
        tags={**bundle.tags, **({"branch": bundle.branch} if bundle.branch else {})},
        agent=bundle.agent or bundle.source,
        languages=list(bundle.languages),
        platforms=list(parts),
        started_at=bundle.started_at or now,
        completed_at=bundle.completed_at or now,
    )
    session.add(polyglot)
    session.flush()
    for part in parts.values():
        _ingest_member(session, compound, polyglot, part)
    every = [record for part in parts.values() for record in part.findings]
    polyglot.counts = {
        **counts(every),
        "members": {platform: counts(p.findings) for platform, p in parts.items()},
    }
    met = [f for part in parts.values() for f in part.failures]
    polyglot.failures = [
        describe(f.model_dump()) for f in _once([*bundle.failures, *met])
    ]
    session.flush()
    log.info(
        "polyglot.ingested",
        org=org_id,
        compound=compound_name,
        polyglot_scan=polyglot.id,
        platforms=list(parts),
    )
    return polyglot
