"""The CycloneDX importer against published SBOMs, VDRs and VEX documents."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sordino.importers import detect_format, load
from sordino.importers.cyclonedx import parse_cyclonedx, parse_cyclonedx_path
from sordino.importers.cyclonedx_vulns import VulnContext, convert_vulnerability
from sordino.importers.errors import InvalidReportError
from sordino.importers.validate import validate_cyclonedx, validate_sarif
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA / "cyclonedx"

# (packages, direct packages, findings, suppressed findings) per file.
# packages: every entry of `components`, nested ones included (jq
# `[.. | .components? // empty | .[]] | length`). direct: entries of the root
# component's `dependsOn` when `dependencies` lists the root (laravel: 1,
# dep-scan: 11), else all. findings: one per `vulnerabilities[].affects[]`.
# suppressed: VEX `analysis.state` not_affected / false_positive / resolved.
EXPECTED = {
    "bom-examples/CISA-Case-1-vex-not_affected.json": (0, 0, 1, 1),
    "bom-examples/SaaSBOM-apigateway-microservices-datastores.json": (0, 0, 0, 0),
    "bom-examples/VEX-bom.json": (3, 3, 0, 0),
    "bom-examples/VEX-vex.json": (0, 0, 1, 1),
    "bom-examples/laravel-7.12.0.bom.1.4.json": (62, 1, 0, 0),
    "defectdojo/issue_8022.json": (1, 1, 1, 1),
    "defectdojo/log4j.json": (1, 1, 8, 0),  # all in_triage
    "defectdojo/no-severity.json": (0, 0, 1, 0),
    # 51 in_triage, 2 exploitable, 19 without analysis: all open.
    "dep-scan/sbom-java.vex.json": (88, 11, 72, 0),
    "dependency-track/bom-empty.json": (0, 0, 0, 0),
    "spec/valid-vulnerability-1.5.json": (1, 1, 1, 1),
    "trivy/infinite-loop-bom.json": (3, 3, 0, 0),  # root not in dependencies
    "trivy/invalid-purl.json": (2, 2, 0, 0),
}
REFUSED = {"dependency-track/bom-invalid.json": "line 2, column 28 (byte 29)"}
ALL_FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*.json"))


def test_every_file_is_listed() -> None:
    assert set(ALL_FILES) == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", ALL_FILES)
def test_import_counts(name: str) -> None:
    if name in REFUSED:
        with pytest.raises(InvalidReportError) as caught:
            load(DATA / name, app="demo")
        assert caught.value.location == REFUSED[name]
        return
    bundle = load(DATA / name, app="demo")
    packages, direct, findings, suppressed = EXPECTED[name]
    assert len(bundle.packages) == packages
    assert sum(p.direct for p in bundle.packages) == direct
    assert len(bundle.findings) == findings
    assert sum(f.suppressed for f in bundle.findings) == suppressed
    assert all(f.type == "oss_vuln" for f in bundle.findings)


def test_strict_mode_refuses_missing_version() -> None:
    with pytest.raises(InvalidReportError) as caught:
        load(DATA / "dependency-track/bom-empty.json", app="a", strict=True)
    assert caught.value.location == "/"
    assert "'version' is a required property" in caught.value.message


def test_log4j_ratings_prefer_cvss31() -> None:
    bundle = parse_cyclonedx_path(DATA / "defectdojo/log4j.json", app="a")
    first = bundle.findings[0]
    # ratings: {severity critical}, CVSSv2 10, CVSSv31 10 -> the v3.1 score.
    assert (first.rule_id, first.severity, first.cvss_score) == (
        "CVE-2021-44228",
        "critical",
        10.0,
    )
    assert (
        first.tags["package_url"]
        == "pkg:maven/org.apache.logging.log4j/log4j-core@2.13.2"
    )
    assert first.tags["cve"] == "CVE-2021-44228"
    assert first.tags["cvss_score"] == "10"
    assert first.details["dependency"] == {
        "artifact_id": "log4j-core",
        "version": "2.13.2",
    }
    assert first.details["analysis_state"] == "in_triage"
    assert first.fingerprint is not None
    assert first.fingerprint.startswith("CVE-2021-44228/")


def test_vex_bom_link_and_justification() -> None:
    (finding,) = parse_cyclonedx_path(
        DATA / "bom-examples/VEX-vex.json", app="a"
    ).findings
    # affects.ref is urn:cdx:<serial>/1#<purl>; the fragment is a purl.
    assert finding.tags["package_url"] == (
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"
    )
    assert finding.details["analysis_state"] == "not_affected"
    assert finding.details["analysis_justification"] == "code_not_reachable"
    assert (finding.severity, finding.cvss_score) == ("high", 7.5)
    assert finding.cwe == [611]
    assert finding.category == "XML External Entities"


def test_dep_scan_fix_and_cwe() -> None:
    bundle = parse_cyclonedx_path(DATA / "dep-scan/sbom-java.vex.json", app="a")
    first = bundle.findings[0]
    # affects versions: 2.3 affected, 2.4.9 unaffected.
    assert first.details["fix"] == "Upgrade to 2.4.9"
    assert first.remediation == "Update to 2.4.9 or later"
    assert first.cwe == [674]
    assert first.tags["cwe_category"] == "674"
    states = {f.details.get("analysis_state") for f in bundle.findings}
    assert states == {None, "in_triage", "exploitable"}


def test_no_severity_uses_score_and_keeps_unknown_ref() -> None:
    (finding,) = parse_cyclonedx_path(
        DATA / "defectdojo/no-severity.json", app="a"
    ).findings
    assert (finding.severity, finding.cvss_score) == ("critical", 10.0)
    assert finding.title == "CVE-2021-44228 in gerbwetbqt"


def test_packages_licences_and_bad_purl() -> None:
    laravel = parse_cyclonedx_path(
        DATA / "bom-examples/laravel-7.12.0.bom.1.4.json", app="a"
    )
    stack = laravel.packages[0]
    assert (stack.type, stack.namespace, stack.name, stack.version) == (
        "composer",
        "asm89",
        "stack-cors",
        "1.3.0",
    )
    assert stack.license == "MIT"
    bad = parse_cyclonedx_path(DATA / "trivy/invalid-purl.json", app="a").packages[1]
    assert (bad.purl, bad.type, bad.name) == ("invalid-purl-format", "", "pear/log")


def test_not_cyclonedx() -> None:
    doc = {"bomFormat": "SPDX", "specVersion": "1.5"}
    with pytest.raises(InvalidReportError) as caught:
        parse_cyclonedx(io.BytesIO(json.dumps(doc).encode()), app="a")
    assert caught.value.location == "/bomFormat"
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": {}}
    with pytest.raises(InvalidReportError) as caught:
        parse_cyclonedx(io.BytesIO(json.dumps(doc).encode()), app="a")
    assert caught.value.location == "/components"


def test_detect_format_and_bundle_loading() -> None:
    assert detect_format(b'\xef\xbb\xbf {"bomFormat": "CycloneDX"}') == "cyclonedx"
    assert detect_format(b'{"version": "2.1.0", "runs": []}') == "sarif"
    assert detect_format(b'{"schema_version": 1, "app": "x"}') == "bundle"
    with pytest.raises(InvalidReportError):
        detect_format(b"<bom/>")
    good = json.dumps({"schema_version": 1, "app": "x", "findings": []}).encode()
    assert load(io.BytesIO(good), app="y").app == "y"
    bad = {"schema_version": 1, "app": "x", "findings": [{"rule_id": "r"}]}
    with pytest.raises(InvalidReportError) as caught:
        load(io.BytesIO(json.dumps(bad).encode()), app="y")
    assert caught.value.location == "/findings/0/title"


def test_validators_report_pointers() -> None:
    assert validate_sarif({"version": "2.1.0", "runs": []}) == []
    errors = validate_sarif({"version": "2.1.0", "runs": [{"tool": {}}]})
    assert errors == ["/runs/0/tool: 'driver' is a required property"]
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    assert validate_cyclonedx(doc, "1.6") == []
    # An SPDX id outside the licence list: resolved through the local spdx schema.
    doc["components"] = [
        {"type": "library", "name": "x", "licenses": [{"license": {"id": "NOPE"}}]}
    ]
    assert validate_cyclonedx(doc)


def _bom(vulnerability: dict[str, Any]) -> bytes:
    component = {"type": "library", "name": "lib", "version": "1", "bom-ref": "c"}
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "components": [component],
            "vulnerabilities": [{"id": "CVE-1", "affects": [{"ref": "c"}]}]
            + [vulnerability],
        }
    ).encode()


@pytest.mark.parametrize(
    "score", [float("nan"), float("inf"), -float("inf"), 12, -1, True]
)
def test_rating_score_that_is_not_a_cvss_score_is_ignored(score: Any) -> None:
    ctx = VulnContext(tool="t", by_ref={})
    vuln = {
        "id": "CVE-2",
        "ratings": [
            {"score": score, "method": "CVSSv31", "severity": "high"},
            {"score": score, "method": "CVSSv2"},
        ],
        "affects": [{"ref": "pkg:pypi/lib@1"}],
    }
    (finding,) = convert_vulnerability(vuln, ctx, "/vulnerabilities/0")
    assert (finding.severity, finding.cvss_score) == ("high", None)
    assert "cvss_score" not in finding.tags


def test_out_of_range_score_in_a_document_falls_back_to_the_next_rating() -> None:
    ratings = [
        {"score": 12.5, "method": "CVSSv31"},
        {"score": 6.1, "method": "CVSSv2"},
    ]
    vuln = {"id": "CVE-2", "ratings": ratings, "affects": [{"ref": "c"}]}
    bundle = parse_cyclonedx(io.BytesIO(_bom(vuln)), app="a")
    finding = bundle.findings[1]
    assert (finding.severity, finding.cvss_score) == ("medium", 6.1)


def test_unpaired_surrogate_in_a_component_is_refused_with_its_pointer() -> None:
    document = _bom({"id": "CVE-2"}).replace(b'"name": "lib"', b'"name": "\\udc00"')
    with pytest.raises(InvalidReportError) as caught:
        parse_cyclonedx(io.BytesIO(document), app="a")
    assert caught.value.location == "/components/0/name"
    assert "not valid Unicode" in caught.value.message
