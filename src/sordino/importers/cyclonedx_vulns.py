"""Turning CycloneDX vulnerabilities (VDR and VEX) into findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from packageurl import PackageURL

from sordino.analysis import taxonomy
from sordino.analysis.fingerprint import package_fingerprint
from sordino.importers.shape import JsonObject, arr, obj, pointer, text
from sordino.ingest.bundle import (
    FindingRecord,
    PackageRecord,
    Severity,
    severity_for_score,
    valid_score,
)

# CVSS methods in order of preference when a vulnerability has several ratings.
_METHODS = ("CVSSv4", "CVSSv31", "CVSSv3", "CVSSv2")
_SEVERITIES: dict[str, Severity] = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "info": "low",
    "none": "low",
}
_SEVERITY_RANK = ("low", "medium", "high", "critical")
# VEX states under which the affected component needs no action.
_CLOSED_STATES = frozenset(
    {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}
)


@dataclass
class VulnContext:
    """What vulnerabilities are resolved against."""

    tool: str
    by_ref: dict[str, PackageRecord]

    def package(self, ref: str) -> PackageRecord | None:
        """The component a ``bom-ref`` or BOM-Link names, or a purl reference."""
        if ref in self.by_ref:
            return self.by_ref[ref]
        local = unquote(ref.split("#", 1)[1]) if ref.startswith("urn:cdx:") else ref
        if local in self.by_ref:
            return self.by_ref[local]
        if local.startswith("pkg:"):
            try:
                purl = PackageURL.from_string(local)
            except ValueError:
                return None
            return PackageRecord(
                purl=local,
                type=purl.type,
                namespace=purl.namespace or "",
                name=purl.name,
                version=purl.version or "",
            )
        return None


def convert_vulnerability(
    vuln: JsonObject, ctx: VulnContext, where: str
) -> list[FindingRecord]:
    """One finding for each component the vulnerability affects."""
    spot = pointer(where, "affects")
    findings = []
    for i, item in enumerate(arr(vuln.get("affects"), spot)):
        affect = obj(item, pointer(spot, i))
        ref = text(affect.get("ref"), pointer(spot, i, "ref"))
        package = ctx.package(ref) or PackageRecord(purl="", name=ref)
        findings.append(_finding(vuln, affect, package, ctx, where))
    return findings


def _finding(
    vuln: JsonObject,
    affect: JsonObject,
    package: PackageRecord,
    ctx: VulnContext,
    where: str,
) -> FindingRecord:
    vuln_id = text(vuln.get("id"), pointer(where, "id")) or "unknown"
    aliases = _aliases(vuln, vuln_id, where)
    severity, score = _rating(arr(vuln.get("ratings"), pointer(where, "ratings")))
    cwes = [
        c for c in arr(vuln.get("cwes"), pointer(where, "cwes")) if isinstance(c, int)
    ]
    analysis = obj(vuln.get("analysis"), pointer(where, "analysis"))
    state = str(analysis.get("state") or "")
    recommendation = text(vuln.get("recommendation"), pointer(where, "recommendation"))
    fix = _fix(affect, recommendation)
    cve = next((a for a in aliases if a.upper().startswith("CVE-")), "")
    finding = FindingRecord(
        type="oss_vuln",
        engine=ctx.tool,
        rule_id=vuln_id,
        title=_title(vuln_id, package),
        description=text(vuln.get("description"), pointer(where, "description"))
        or text(vuln.get("detail"), pointer(where, "detail")),
        severity=severity,
        cvss_score=score,
        cwe=cwes,
        remediation=recommendation or fix,
        suppressed=state in _CLOSED_STATES,
        fingerprint=package_fingerprint(_without_version(package), vuln_id),
        tags=_tags(package, cve, score),
        details=_details(package, fix, aliases, analysis),
    )
    _classify(finding, cwes)
    return finding


def _aliases(vuln: JsonObject, vuln_id: str, where: str) -> list[str]:
    names = [vuln_id]
    spot = pointer(where, "references")
    for i, item in enumerate(arr(vuln.get("references"), spot)):
        ref_id = obj(item, pointer(spot, i)).get("id")
        if isinstance(ref_id, str):
            names.append(ref_id)
    return list(dict.fromkeys(names))


def _rating(ratings: list[Any]) -> tuple[Severity, float | None]:
    """The preferred CVSS score and its severity, or the worst stated severity."""
    scored = [r for r in ratings if isinstance(r, dict) and _score(r) is not None]
    scored.sort(key=_method_rank)
    if scored:
        best = scored[0]
        score = _score(best)
        stated = _SEVERITIES.get(str(best.get("severity", "")).lower())
        return stated or severity_for_score(score or 0.0), score
    stated_all = [
        _SEVERITIES[str(r.get("severity")).lower()]
        for r in ratings
        if isinstance(r, dict) and str(r.get("severity", "")).lower() in _SEVERITIES
    ]
    if stated_all:
        return max(stated_all, key=_SEVERITY_RANK.index), None
    return "medium", None


def _score(rating: JsonObject) -> float | None:
    """A rating's score; one that is not a CVSS score (NaN, inf, 12) is ignored.

    The rating's stated severity, if any, still counts, as for SARIF's
    ``security-severity``.
    """
    score = rating.get("score")
    return None if isinstance(score, str) else valid_score(score)


def _method_rank(rating: JsonObject) -> int:
    method = rating.get("method")
    return _METHODS.index(method) if method in _METHODS else len(_METHODS)


def _fix(affect: JsonObject, recommendation: str) -> str:
    for version in affect.get("versions") or []:
        if isinstance(version, dict) and version.get("status") == "unaffected":
            target = version.get("version") or version.get("range")
            if isinstance(target, str) and target:
                return f"Upgrade to {target}"
    return recommendation


def _title(vuln_id: str, package: PackageRecord) -> str:
    if not package.name:
        return vuln_id
    version = f"@{package.version}" if package.version else ""
    return f"{vuln_id} in {package.name}{version}"


def _without_version(package: PackageRecord) -> str:
    try:
        purl = PackageURL.from_string(package.purl)
    except ValueError:
        return package.purl or package.name
    return PackageURL(
        type=purl.type, namespace=purl.namespace, name=purl.name
    ).to_string()


def _tags(package: PackageRecord, cve: str, score: float | None) -> dict[str, str]:
    tags = {"package_url": package.purl} if package.purl else {}
    if cve:
        tags["cve"] = cve
    if score is not None:
        tags["cvss_score"] = f"{score:g}"
    return tags


def _details(
    package: PackageRecord, fix: str, aliases: list[str], analysis: JsonObject
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "dependency": {"artifact_id": package.name, "version": package.version},
        "aliases": aliases,
    }
    if fix:
        details["fix"] = fix
    for key in ("state", "justification", "response", "detail"):
        if analysis.get(key):
            details[f"analysis_{key}"] = analysis[key]
    return details


def _classify(finding: FindingRecord, cwes: list[int]) -> None:
    if cwes:
        finding.tags["cwe_category"] = str(cwes[0])
    for cwe in cwes:
        category = taxonomy.for_cwe(cwe)
        if category is not None:
            finding.category = category.name
            finding.owasp_2017 = category.owasp_2017
            finding.owasp_2021 = category.owasp_2021
            return
