"""HTTP tests of the SCA operations: packages (#47), dependencies (#100),
package_info (#101) and the CycloneDX SBOM export, on an app of their own whose
database holds only the werkzeug and golang.org/x/text advisories."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sordino.analysis.engines.lockfiles import package_finding
from sordino.api.app import create_app
from sordino.apps import service as apps
from sordino.config import Settings
from sordino.importers import load
from sordino.importers.validate import validate_cyclonedx
from sordino.ingest.bundle import PackageRecord, ScanBundle
from sordino.ingest.service import ingest
from sordino.sca.lockfiles.base import record
from sordino.vulndb.service import import_path
from tests.conftest import TEST_KEY, Api, new_org
from tests.vulndb.conftest import GO, PYPA

USAGE = {
    "python": {"imports": ["werkzeug"], "symbols": []},
    "go": {"imports": ["golang.org/x/text/language"], "symbols": []},
}


@pytest.fixture(scope="module")
def sca_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    if not (PYPA / "werkzeug").is_dir():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    tmp = tmp_path_factory.mktemp("sca-api")
    settings = Settings(
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'sca.db'}",
        secret_key=TEST_KEY,
        log_format="json",
        log_level="WARNING",
        immediate_jobs=True,
    )
    app = create_app(settings)
    with app.state.db.session() as session:
        import_path(session, PYPA / "werkzeug")
        for name in ("GO-2021-0113.json", "GO-2022-1059.json"):
            import_path(session, GO / name)
    with TestClient(app, base_url="http://testserver") as client:
        yield new_org(client, app.state.db)


def _packages(count: int) -> list[PackageRecord]:
    """Werkzeug 0.11 and x/text v0.3.6 (vulnerable) plus ``count`` safe ones."""
    found = [
        record("pypi", "", "werkzeug", "0.11", direct=True, location="req.txt#1"),
        record(
            "golang",
            "golang.org/x",
            "text",
            "v0.3.6",
            direct=False,
            location="go.mod#5",
        ),
    ]
    found += [
        record(
            "npm",
            "",
            f"lib-{n:02d}",
            "1.0.0",
            direct=True,
            location=f"package-lock.json#{n + 1}",
        )
        for n in range(count)
    ]
    return found


def _scan(api: Api, packages: list[PackageRecord], app: str = "deps") -> str:
    bundle = ScanBundle(
        app=app,
        branch="main",
        packages=packages,
        findings=[package_finding(p) for p in packages],
        usage=USAGE,
    )
    with api.db.session() as session:
        return str(ingest(session, api.org_id, bundle).scan.id)


def _all_pages(api: Api, params: dict[str, Any]) -> list[dict[str, Any]]:
    url = "/orgs/{org}/apps/deps/sca/packages"
    seen: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.get(url, params={**params, "page": page}).json()
        assert body["ok"] is True
        response = body["response"]
        assert isinstance(response["packages"], list)
        seen += response["packages"]
        if not response["has_more"]:
            assert "next_page" not in body
            return seen
        assert body["next_page"].startswith("http://testserver/api/v4/orgs/")
        assert f"page={page + 1}" in body["next_page"]
        page += 1


def test_packages_paging_returns_each_package_once(sca_api: Api) -> None:
    scan_id = _scan(sca_api, _packages(23))
    params = {"scan": scan_id, "per_page": 5, "sort": "name", "order": "asc"}
    seen = _all_pages(sca_api, params)
    assert len(seen) == 25
    assert len({p["url"] for p in seen}) == 25
    names = [p["name"] for p in seen]
    assert names == sorted(names)
    first = sca_api.ok("GET", "/orgs/{org}/apps/deps/sca/packages", params=params)
    assert first["total_count"] == 25
    assert first["scans"] == [{"id": scan_id, "app": "deps"}]


def test_package_shape_and_vulnerability_counts(sca_api: Api) -> None:
    scan_id = _scan(sca_api, _packages(0))
    response = sca_api.ok(
        "GET", "/orgs/{org}/apps/deps/sca/packages", params={"scan": scan_id}
    )
    by_name = {p["name"]: p for p in response["packages"]}
    text = by_name["text"]
    assert set(text) == {
        "package",
        "url",
        "name",
        "namespace",
        "type",
        "version",
        "license",
        "created_at",
        "finding_type",
        "num_vulns",
        "num_reachable",
        "num_exploitable",
    }
    assert text["package"] == "golang.org/x/text"
    assert text["url"] == "pkg:golang/golang.org/x/text@v0.3.6"
    assert text["finding_type"] == "package"
    # Both imported Go advisories affect v0.3.6; the usage names no symbol.
    assert (text["num_vulns"], text["num_reachable"]) == (2, 0)
    werkzeug = by_name["werkzeug"]
    assert werkzeug["num_vulns"] >= 2
    assert werkzeug["num_reachable"] == werkzeug["num_vulns"]


def test_packages_type_tag_and_sort_filters(sca_api: Api) -> None:
    scan_id = _scan(sca_api, _packages(3))
    url = "/orgs/{org}/apps/deps/sca/packages"
    golang = sca_api.ok(
        "GET", url, params={"scan": scan_id, "tag": "package_type__eq__golang"}
    )
    assert [p["name"] for p in golang["packages"]] == ["text"]
    either = sca_api.ok(
        "GET",
        url,
        params=[
            ("scan", scan_id),
            ("tag", "name__eq__lib-00"),
            ("tag", "name__eq__lib-02"),
        ],
    )
    assert sorted(p["name"] for p in either["packages"]) == ["lib-00", "lib-02"]
    containers = sca_api.ok(
        "GET", url, params={"scan": scan_id, "type": "container_package"}
    )
    assert containers["packages"] == []
    assert containers["has_more"] is False
    by_vulns = sca_api.ok(
        "GET", url, params={"scan": scan_id, "sort": "num_vulns", "order": "desc"}
    )
    counts = [p["num_vulns"] for p in by_vulns["packages"]]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > 0
    bad = sca_api.get(url, params={"tag": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "VALIDATION_FAILED"
    assert sca_api.get(url, params={"sort": "size"}).status_code == 400
    assert sca_api.get(url, params={"per_page": "²"}).status_code == 400


def test_app_without_scans_lists_no_packages(sca_api: Api) -> None:
    with sca_api.db.session() as session:
        apps.ensure(session, sca_api.org_id, "empty", "empty")
    response = sca_api.ok("GET", "/orgs/{org}/apps/empty/sca/packages")
    assert response["packages"] == []
    assert response["total_count"] == 0


def test_dependencies_search(sca_api: Api) -> None:
    _scan(sca_api, _packages(2), app="searchable")
    found = sca_api.ok("GET", "/orgs/{org}/dependencies", params={"search": "Werkzeug"})
    assert found, "werkzeug was scanned"
    assert {item["type"] for item in found} == {"package"}
    assert all("werkzeug" in item["title"] for item in found)
    first = found[0]
    assert set(first) == {"id", "app", "type", "title", "tags"}
    tags = {t["key"]: t["value"] for t in first["tags"]}
    assert tags["package_url"] == "pkg:pypi/werkzeug@0.11"
    assert (
        sca_api.get("/orgs/{org}/dependencies", params={"page": 21}).status_code == 400
    )
    window = sca_api.ok(
        "GET", "/orgs/{org}/dependencies", params={"search": "werkzeug", "until": 1}
    )
    assert window == []


def test_package_info_from_the_local_database(sca_api: Api) -> None:
    response = sca_api.ok(
        "POST",
        "/package_info",
        json={"purls": ["pkg:pypi/werkzeug@0.11", "pkg:pypi/werkzeug@3.0.6"]},
    )
    old, new = response
    assert old["purl"] == "pkg:pypi/werkzeug@0.11"
    ids = {c["id"] for c in old["cves"]}
    assert {"CVE-2019-14806", "CVE-2020-28724"} <= ids
    fix = {c["id"]: c["fix"] for c in old["cves"]}
    assert fix["CVE-2020-28724"] == "Upgrade to 0.11.6"
    assert new["cves"] == []
    bad = sca_api.post("/package_info", json={"purls": ["not a purl"]})
    assert bad.status_code == 400
    assert bad.json()["validation_errors"]


def test_sbom_export_validates_and_round_trips(sca_api: Api) -> None:
    scan_id = _scan(sca_api, _packages(1))
    response = sca_api.get(f"/orgs/{{org}}/apps/deps/scans/{scan_id}/sbom")
    assert response.status_code == 200
    document = response.json()
    assert validate_cyclonedx(document, "1.6") == []
    purls = {c["purl"] for c in document["components"]}
    assert purls == {
        "pkg:pypi/werkzeug@0.11",
        "pkg:golang/golang.org/x/text@v0.3.6",
        "pkg:npm/lib-00@1.0.0",
    }
    vulns = document["vulnerabilities"]
    states = {v["id"]: v["analysis"]["state"] for v in vulns}
    # werkzeug is imported (exploitable); x/text's symbols are never used.
    assert states["GO-2021-0113"] == "in_triage"
    assert any(s == "exploitable" for v, s in states.items() if v.startswith("PYSEC"))
    back = load(io.BytesIO(json.dumps(document).encode()), app="roundtrip")
    assert {p.purl for p in back.packages} == purls
    assert {f.rule_id for f in back.findings} == set(states)
    assert all(f.type == "oss_vuln" for f in back.findings)


def test_sbom_marks_triaged_findings(sca_api: Api) -> None:
    scan_id = _scan(sca_api, _packages(0), app="triaged")
    findings = sca_api.ok(
        "GET", "/orgs/{org}/apps/triaged/findings", params={"type": "oss_vuln"}
    )["findings"]
    by_rule = {f["internal_id"].split("/")[0]: f["id"] for f in findings}
    ids = sorted(by_rule.values())
    sca_api.ok(
        "PUT",
        f"/orgs/{{org}}/apps/triaged/findings/{ids[0]}/status",
        json={"status": "fixed"},
    )
    document = sca_api.get(f"/orgs/{{org}}/apps/triaged/scans/{scan_id}/sbom").json()
    assert validate_cyclonedx(document, "1.6") == []
    states = [v["analysis"]["state"] for v in document["vulnerabilities"]]
    assert states.count("resolved") == 1
    assert sca_api.get("/orgs/{org}/apps/triaged/scans/999999/sbom").status_code == 404


def test_missing_advisories_are_reported_not_hidden(tmp_path: Path) -> None:
    from tests.sca.conftest import make_org
    from tests.vulndb.conftest import new_database

    db = new_database(tmp_path / "empty.sqlite")
    with db.session() as session:
        org_id = make_org(session)
        bundle = ScanBundle(app="a", packages=_packages(0))
        scan = ingest(session, org_id, bundle).scan
        assert [f["reason"] for f in scan.failures] == ["no_data"]
        assert "sordino vulndb import" in scan.failures[0]["message"]
        assert bundle.findings == []
        # The code was analysed; only the dependency check lacked data.
        assert scan.successful is True


def test_vulnerability_tags_appear_once(sca_api: Api) -> None:
    _scan(sca_api, _packages(0), app="tags-once")
    body = sca_api.get(
        "/orgs/{org}/apps/tags-once/findings", params={"type": "oss_vuln"}
    ).json()
    findings = body["response"]["findings"]
    assert findings
    for finding in findings:
        keys = [tag["key"] for tag in finding["tags"]]
        assert keys.count("cvss_31_severity_rating") == 1, keys
        assert keys.count("cvss_score") == 1, keys
