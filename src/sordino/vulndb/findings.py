"""Turning vulnerability matches into ``oss_vuln`` finding records."""

from __future__ import annotations

from packageurl import PackageURL

from sordino.analysis.fingerprint import package_fingerprint
from sordino.ingest.bundle import FindingRecord, Severity
from sordino.sca.naming import full_name
from sordino.vulndb.matching import VulnMatch

_SEVERITIES: dict[str, Severity] = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
}


def purl_without_version(purl: str) -> str:
    """``pkg:pypi/flask@2.0.0`` → ``pkg:pypi/flask``."""
    parsed = PackageURL.from_string(purl)
    return PackageURL(
        type=parsed.type,
        namespace=parsed.namespace,
        name=parsed.name,
        qualifiers=parsed.qualifiers,
        subpath=parsed.subpath,
    ).to_string()


def _title(match: VulnMatch) -> str:
    name = match.cve or match.advisory_id
    package = match.package
    subject = full_name(package.type, package.namespace, package.name)
    headline = match.summary or "known vulnerability"
    return f"{name}: {headline} in {subject} {package.version}"


def to_finding(match: VulnMatch) -> FindingRecord:
    """The ``oss_vuln`` finding of one match."""
    package = match.package
    tags = {
        "package_url": package.purl,
        "cve": match.cve,
        "oss_internal_id": match.advisory_id,
        "cvss_31_severity_rating": match.severity,
    }
    if match.cvss_score is not None:
        tags["cvss_score"] = f"{match.cvss_score:.1f}"
    artifact = full_name(package.type, package.namespace, package.name)
    file_name, _, line = package.location.partition("#")
    return FindingRecord(
        type="oss_vuln",
        rule_id=match.advisory_id,
        title=_title(match),
        description=match.details or match.summary,
        severity=_SEVERITIES.get(match.severity, "medium"),
        cvss_score=match.cvss_score,
        cwe=match.cwe_ids,
        file=file_name,
        line=int(line) if line.isdigit() else 0,
        fingerprint=package_fingerprint(
            purl_without_version(package.purl), match.advisory_id
        ),
        tags={k: v for k, v in tags.items() if v},
        details={
            "fix": match.fix,
            "fixed_versions": match.fixed_versions,
            "cvss_vector": match.cvss_vector,
            "aliases": match.aliases,
            "symbols": match.symbols,
            "dependency": {"artifact_id": artifact, "version": package.version},
        },
        remediation=match.fix,
        engine="sordino-vulndb",
    )


def to_findings(matches: list[VulnMatch]) -> list[FindingRecord]:
    """The ``oss_vuln`` findings of ``matches``, one per match."""
    return [to_finding(match) for match in matches]
