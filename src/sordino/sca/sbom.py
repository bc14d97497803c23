"""CycloneDX 1.6 export of a scan: its packages, and its vulnerabilities as VEX."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino import __version__
from sordino.apps.models import App
from sordino.common import iso
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.findings.tags import cvss_rating
from sordino.sca.models import Package
from sordino.scans.models import Scan

SPEC_VERSION = "1.6"
_OSV = "https://osv.dev/vulnerability/"


def vex_analysis(finding: Finding) -> dict[str, Any]:
    """The VEX ``analysis`` of a finding, from its triage status and reachability."""
    if finding.status == "fixed":
        return {"state": "resolved"}
    if finding.status in ("ignored", "3rdparty"):
        if finding.reachable is False:
            return {"state": "not_affected", "justification": "code_not_reachable"}
        return {"state": "false_positive"}
    if finding.reachable:
        return {"state": "exploitable"}
    return {"state": "in_triage"}


def _component(package: Package) -> dict[str, Any]:
    component: dict[str, Any] = {
        "type": "library",
        "bom-ref": package.purl,
        "name": package.name,
        "purl": package.purl,
        "scope": "required",
    }
    if package.namespace:
        component["group"] = package.namespace
    if package.version:
        component["version"] = package.version
    if package.license:
        component["licenses"] = [{"license": {"name": package.license}}]
    properties = [{"name": "sordino:direct", "value": str(package.direct).lower()}]
    if package.location:
        properties.append({"name": "sordino:location", "value": package.location})
    component["properties"] = properties
    return component


def _rating(finding: Finding) -> dict[str, Any]:
    vector = str(finding.details.get("cvss_vector", ""))
    rating: dict[str, Any] = {
        "score": finding.cvss_score,
        "severity": cvss_rating(finding.cvss_score),
    }
    if vector.startswith("CVSS:3"):
        rating["method"] = "CVSSv31" if vector.startswith("CVSS:3.1") else "CVSSv3"
        rating["vector"] = vector
    else:
        rating["method"] = "other"
    return rating


def _vulnerability(finding: Finding, purl: str) -> dict[str, Any]:
    aliases = [str(a) for a in finding.details.get("aliases") or []]
    vulnerability: dict[str, Any] = {
        "bom-ref": f"{finding.internal_id}",
        "id": finding.rule_id,
        "source": {"name": "OSV", "url": _OSV + finding.rule_id},
        "references": [
            {"id": alias, "source": {"name": "OSV", "url": _OSV + alias}}
            for alias in aliases
            if alias != finding.rule_id
        ],
        "ratings": [_rating(finding)],
        "description": finding.description or finding.title,
        "analysis": vex_analysis(finding),
        "affects": [{"ref": purl}],
    }
    if finding.cwe.isdigit():
        vulnerability["cwes"] = [int(finding.cwe)]
    if finding.remediation:
        vulnerability["recommendation"] = finding.remediation
    return vulnerability


def _vulnerabilities(
    session: Session, scan_id: int, purls: set[str]
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Finding, FindingTag.value)
        .join(Occurrence, Occurrence.finding_id == Finding.id)
        .join(FindingTag, FindingTag.finding_id == Finding.id)
        .where(Occurrence.scan_id == scan_id, Finding.type == "oss_vuln")
        .where(FindingTag.key == "package_url")
        .order_by(Finding.id)
    ).tuples()
    return [_vulnerability(f, purl) for f, purl in rows if purl in purls]


def export(session: Session, app: App, scan: Scan) -> dict[str, Any]:
    """The scan as a CycloneDX 1.6 BOM with a ``vulnerabilities`` (VEX) section."""
    packages = session.scalars(
        select(Package).where(Package.scan_id == scan.id).order_by(Package.purl)
    )
    components = {p.purl: _component(p) for p in packages}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": iso(scan.completed_at or scan.created_at),
            "tools": {
                "components": [
                    {"type": "application", "name": "sordino", "version": __version__}
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": f"app:{app.app_id}",
                "name": app.name or app.app_id,
                **({"version": scan.version} if scan.version else {}),
            },
        },
        "components": list(components.values()),
        "vulnerabilities": _vulnerabilities(session, scan.id, set(components)),
    }
