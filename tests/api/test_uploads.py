"""Uploading bundles, SARIF and CycloneDX documents as scans."""

from __future__ import annotations

import json

from tests.conftest import SHARED_DATA, Api

ESLINT = SHARED_DATA / "sarif" / "eslint" / "eslint-results.sarif"


def _results(path: object) -> int:
    doc = json.loads(ESLINT.read_text(encoding="utf-8-sig"))
    return sum(len(run.get("results", [])) for run in doc["runs"])


def test_sarif_upload_creates_the_app_and_a_scan(api: Api) -> None:
    body = api.ok(
        "POST",
        "/orgs/{org}/apps/web-ui/scans/sarif?version=abc123&branch=main&tag=team=ui",
        content=ESLINT.read_bytes(),
        headers={"content-type": "application/json"},
    )
    assert body["findings"] + body["duplicates"] == _results(ESLINT)
    assert body["new"] == body["findings"]
    scan = body["scan"]
    assert scan["app"] == "web-ui"
    assert scan["version"] == "abc123"
    assert scan["tags"] == {"branch": "main", "team": "ui"}
    assert api.ok("GET", "/orgs/{org}/apps/web-ui")["id"] == "web-ui"


def test_same_report_twice_keeps_finding_identity(api: Api) -> None:
    first = api.ok(
        "POST", "/orgs/{org}/apps/web/scans/sarif", content=ESLINT.read_bytes()
    )
    second = api.ok(
        "POST", "/orgs/{org}/apps/web/scans/sarif", content=ESLINT.read_bytes()
    )
    assert second["new"] == 0
    assert second["findings"] == first["findings"]
    assert second["scan"]["id"] != first["scan"]["id"]


def test_invalid_sarif_is_refused_and_stores_nothing(api: Api) -> None:
    bad = SHARED_DATA / "sarif" / "codeql" / "invalid-sarif.sarif"
    response = api.post("/orgs/{org}/apps/web/scans/sarif", content=bad.read_bytes())
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"ok", "code", "message", "validation_errors"}
    assert body["code"] == "VALIDATION_FAILED"
    assert "/runs/0/results" in body["validation_errors"][0]
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_wrong_kind_empty_body_and_garbage_are_400(api: Api) -> None:
    sbom = SHARED_DATA / "cyclonedx" / "dependency-track" / "bom-invalid.json"
    for path, content in [
        ("/orgs/{org}/apps/x/scans/cyclonedx", ESLINT.read_bytes()),
        ("/orgs/{org}/apps/x/scans/sarif", b""),
        ("/orgs/{org}/apps/x/scans/cyclonedx", sbom.read_bytes()),
        ("/orgs/{org}/apps/x/scans", b"\x00\xff garbage"),
        ("/orgs/{org}/apps/-x/scans", b"{}"),
    ]:
        response = api.post(path, content=content)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["ok"] is False


def test_bad_tag_parameter_is_400(api: Api) -> None:
    response = api.post(
        "/orgs/{org}/apps/web/scans/sarif?tag=novalue", content=ESLINT.read_bytes()
    )
    assert response.status_code == 400
    assert response.json()["validation_errors"] == ["tag: 'novalue'"]


def test_guest_cannot_upload(api: Api) -> None:
    guest = api.as_role("GUEST")
    response = guest.post("/orgs/{org}/apps/web/scans/sarif", content=b"{}")
    assert response.status_code == 403


def test_upload_to_another_org_is_404(api: Api, other_api: Api) -> None:
    response = other_api.post(
        f"/orgs/{api.org_id}/apps/web/scans/sarif", content=ESLINT.read_bytes()
    )
    assert response.status_code == 404
