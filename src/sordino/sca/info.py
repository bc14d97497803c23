"""``package_info`` (#101): advisories and licences of purls, from local data."""

from __future__ import annotations

from typing import Any

from packageurl import PackageURL
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.ingest.bundle import PackageRecord
from sordino.sca.models import Package
from sordino.vulndb.matching import VulnMatch, match

MAX_PURLS = 1000


class PurlError(ValueError):
    """Purls that cannot be read."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _record(purl: str) -> PackageRecord:
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError as exc:
        raise PurlError([f"{purl!r} is not a package URL: {exc}"]) from exc
    return PackageRecord(
        purl=purl,
        type=parsed.type,
        namespace=parsed.namespace or "",
        name=parsed.name,
        version=parsed.version or "",
    )


def _records(purls: list[str]) -> list[PackageRecord]:
    if len(purls) > MAX_PURLS:
        raise PurlError([f"purls: at most {MAX_PURLS} per request"])
    problems, records = [], []
    for purl in purls:
        try:
            records.append(_record(purl))
        except PurlError as exc:
            problems += exc.problems
    if problems:
        raise PurlError(problems)
    return records


def _licenses(session: Session, org_id: str, purls: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {purl: set() for purl in purls}
    rows = session.execute(
        select(Package.purl, Package.license)
        .where(Package.org_id == org_id, Package.purl.in_(purls))
        .where(Package.license != "")
        .distinct()
    )
    for purl, license_ in rows:
        found[purl].add(license_)
    return found


def _cve(vuln: VulnMatch) -> dict[str, Any]:
    impact: dict[str, Any] = {}
    if vuln.cvss_vector.startswith("CVSS:3"):
        impact["cvssV3"] = {
            "version": vuln.cvss_vector.split("/", 1)[0].removeprefix("CVSS:"),
            "vectorString": vuln.cvss_vector,
            "baseScore": vuln.cvss_score,
            "baseSeverity": vuln.severity.upper(),
        }
    return {
        "id": vuln.cve or vuln.advisory_id,
        "internalId": vuln.advisory_id,
        "assigner": "OSV",
        "cweIds": [f"CWE-{n}" for n in vuln.cwe_ids],
        "references": [
            {"url": url, "name": url, "tags": []} for url in vuln.references
        ],
        "descriptions": [{"lang": "en", "value": vuln.details or vuln.summary}],
        "impact": impact,
        "publishedDate": vuln.published,
        "fix": vuln.fix,
    }


def package_info(session: Session, org_id: str, purls: list[str]) -> list[Any]:
    """For each purl: licences seen in the org and the advisories that affect it."""
    records = _records(purls)
    by_purl: dict[str, list[dict[str, Any]]] = {r.purl: [] for r in records}
    for vuln in match(session, records):
        by_purl[vuln.package.purl].append(_cve(vuln))
    licenses = _licenses(session, org_id, list(by_purl))
    return [
        {
            "purl": record.purl,
            "licenses": sorted(licenses[record.purl]),
            "cves": by_purl[record.purl],
        }
        for record in records
    ]
