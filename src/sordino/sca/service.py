"""Dependencies at ingest: vulnerabilities, reachability and per-package counts.

``enrich`` runs at the start of ingest, on the server, so that bundles from a
CI runner without the advisory database and remote uploads are treated alike.
``record_counts`` runs once the scan's packages and findings are written.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from sqlalchemy import and_, func, select, true, update
from sqlalchemy.orm import Session

from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.ingest.bundle import EngineFailure, FindingRecord, ScanBundle
from sordino.sca.models import Package
from sordino.sca.reachability import reachability
from sordino.vulndb.findings import to_finding
from sordino.vulndb.matching import VulnMatch, match
from sordino.vulndb.models import Advisory

log = structlog.get_logger(__name__)

NO_DATA = EngineFailure(
    engine="osv",
    reason="no_data",
    message="no advisories loaded: run 'sordino vulndb import'",
)


def enrich(session: Session, bundle: ScanBundle) -> None:
    """Add the ``oss_vuln`` findings of the bundle's packages, reachability set."""
    if not bundle.packages:
        return
    if session.scalar(select(Advisory.id).limit(1)) is None:
        bundle.failures.append(NO_DATA.model_copy())
        log.warning("sca.no_advisories", app=bundle.app)
        return
    reported = _reported(bundle.findings)
    matches = [m for m in match(session, bundle.packages) if not _known(m, reported)]
    imports, symbols = usage_sets(bundle.usage)
    evidence = bool(bundle.usage)
    for vuln in matches:
        finding = to_finding(vuln)
        if evidence:
            mark(finding, reachability(vuln, imports, symbols))
        bundle.findings.append(finding)
    log.info(
        "sca.enriched",
        app=bundle.app,
        packages=len(bundle.packages),
        vulns=len(matches),
        skipped=len(reported),
    )


def mark(finding: FindingRecord, reachable: bool) -> None:
    """Set a finding's reachability flag and its ``reachability`` tag."""
    finding.reachable = reachable
    finding.tags["reachability"] = "reachable" if reachable else "unreachable"


def usage_sets(
    usage: dict[str, dict[str, list[str]]],
) -> tuple[dict[str, set[str]], set[str]]:
    """Imports per language and every used symbol, as reachability takes them."""
    imports = {lang: set(entry.get("imports", [])) for lang, entry in usage.items()}
    symbols = {s for entry in usage.values() for s in entry.get("symbols", [])}
    return imports, symbols


def _reported(findings: Iterable[FindingRecord]) -> set[tuple[str, str]]:
    """(purl, advisory name) pairs a bundle already reports, e.g. from CycloneDX."""
    pairs: set[tuple[str, str]] = set()
    for finding in findings:
        purl = finding.tags.get("package_url", "")
        if finding.type != "oss_vuln" or not purl:
            continue
        aliases = finding.details.get("aliases") or []
        names = {finding.rule_id, finding.tags.get("cve", ""), *map(str, aliases)}
        pairs |= {(purl, name.upper()) for name in names if name}
    return pairs


def _known(vuln: VulnMatch, reported: set[tuple[str, str]]) -> bool:
    names = {vuln.advisory_id, vuln.cve, *vuln.aliases}
    return any((vuln.package.purl, n.upper()) in reported for n in names if n)


def record_counts(session: Session, scan_id: int) -> None:
    """Store each package's vulnerability and reachable counts for the scan."""
    vulns = _count(reachable_only=False)
    reachable = _count(reachable_only=True)
    session.execute(
        update(Package)
        .where(Package.scan_id == scan_id)
        .values(num_vulns=vulns, num_reachable=reachable)
        .execution_options(synchronize_session=False)
    )


def _count(*, reachable_only: bool) -> object:
    """Correlated count of the scan's ``oss_vuln`` findings naming the package."""
    condition = and_(
        Occurrence.scan_id == Package.scan_id,
        Finding.type == "oss_vuln",
        FindingTag.key == "package_url",
        FindingTag.value == Package.purl,
    )
    if reachable_only:
        condition = and_(condition, Finding.reachable == true())
    return (
        select(func.count(func.distinct(Finding.id)))
        .select_from(Occurrence)
        .join(Finding, Finding.id == Occurrence.finding_id)
        .join(FindingTag, FindingTag.finding_id == Finding.id)
        .where(condition)
        .scalar_subquery()
    )
