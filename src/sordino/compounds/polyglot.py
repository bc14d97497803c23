"""Polyglot ingest: one bundle of a multi-language tree becomes a compound scan.

The bundle is split by platform; each part is ingested through the one ingest
service as a scan of the compound's member app for that platform, and a
``PolyglotScan`` row groups those member scans with counts over all of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.apps import service as apps
from sordino.compounds import platforms as pf
from sordino.compounds.models import Compound, PolyglotScan
from sordino.db import utcnow
from sordino.ingest.bundle import FindingRecord, ScanBundle
from sordino.ingest.service import create_scan, ingest

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


def split(bundle: ScanBundle, compound: str) -> dict[str, ScanBundle]:
    """One bundle per platform, each addressed to the compound's member app."""
    findings: defaultdict[str, list[FindingRecord]] = defaultdict(list)
    for record in bundle.findings:
        findings[pf.of_finding(record)].append(record)
    packages = defaultdict(list)
    for package in bundle.packages:
        packages[pf.of_package(package)].append(package)
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
                "findings": findings.get(platform, []),
                "packages": packages.get(platform, []),
            }
        )
    return parts


def counts(bundle: ScanBundle) -> dict[str, object]:
    """The polyglot scan's headline counts over every unsuppressed finding."""
    live = [record for record in bundle.findings if not record.suppressed]
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


def _failure_text(bundle: ScanBundle) -> list[str]:
    return [
        f"{f.engine} {f.reason}" + (f": {f.message}" if f.message else "")
        for f in bundle.failures
    ]


def ingest_polyglot(
    session: Session, org_id: str, compound_name: str, bundle: ScanBundle
) -> PolyglotScan:
    """Store ``bundle`` as one polyglot scan of compound ``compound_name``."""
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
        counts=counts(bundle),
        failures=_failure_text(bundle),
        started_at=bundle.started_at or now,
        completed_at=bundle.completed_at or now,
    )
    session.add(polyglot)
    session.flush()
    for platform, part in parts.items():
        app = apps.ensure(session, org_id, part.app, compound_name)
        app.compound_id = compound.id
        app.platform = platform
        scan = create_scan(session, org_id, app, part)
        scan.polyglot_scan_id = polyglot.id
        ingest(session, org_id, part, scan=scan)
    log.info(
        "polyglot.ingested",
        org=org_id,
        compound=compound_name,
        polyglot_scan=polyglot.id,
        platforms=list(parts),
    )
    return polyglot
