"""Package names as people read them, in package and vulnerability titles."""

from __future__ import annotations

import pytest

from sordino.ingest.bundle import PackageRecord
from sordino.sca.naming import full_name
from sordino.vulndb.findings import to_finding
from sordino.vulndb.matching import VulnMatch


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "full"),
    [
        ("golang", "github.com/go-ldap/ldap", "v3", "github.com/go-ldap/ldap/v3"),
        ("npm", "@babel", "core", "@babel/core"),
        ("maven", "org.yaml", "snakeyaml", "org.yaml:snakeyaml"),
        ("pypi", "", "flask", "flask"),
    ],
)
def test_full_name(kind: str, namespace: str, name: str, full: str) -> None:
    assert full_name(kind, namespace, name) == full


def _match(package: PackageRecord) -> VulnMatch:
    return VulnMatch(
        package=package,
        ecosystem="Maven",
        advisory_id="GHSA-xxxx",
        aliases=[],
        cve="CVE-2022-1471",
        summary="Constructor deserialization",
        details="",
        severity="high",
        cvss_score=None,
        cvss_vector="",
        fix="",
        fixed_versions=[],
        symbols=[],
        modules=[],
        cwe_ids=[],
    )


def test_vulnerability_title_names_the_maven_artifact() -> None:
    package = PackageRecord(
        purl="pkg:maven/org.yaml/snakeyaml@1.26",
        type="maven",
        namespace="org.yaml",
        name="snakeyaml",
        version="1.26",
    )
    finding = to_finding(_match(package))
    assert finding.title == (
        "CVE-2022-1471: Constructor deserialization in org.yaml:snakeyaml 1.26"
    )
    assert finding.details["dependency"]["artifact_id"] == "org.yaml:snakeyaml"
