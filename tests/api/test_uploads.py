"""Uploading bundles, SARIF and CycloneDX documents as scans."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.shapes import error
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


# --- values a database cannot store: the same answer on SQLite and PostgreSQL --


def _sarif(result: dict[str, Any], rule: dict[str, Any] | None = None) -> bytes:
    driver: dict[str, Any] = {"name": "t", "rules": [rule or {"id": "r1"}]}
    run = {"tool": {"driver": driver}, "results": [result]}
    return json.dumps({"version": "2.1.0", "runs": [run]}).encode()


def _result(**extra: Any) -> dict[str, Any]:
    region = {"startLine": 3, "snippet": {"text": "eval(x)"}}
    location = {"artifactLocation": {"uri": "app.py"}, "region": region}
    return {
        "ruleId": "r1",
        "level": "error",
        "message": {"text": "m"},
        "locations": [{"physicalLocation": location}],
        **extra,
    }


def _findings(api: Api, app: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.ok("GET", f"/orgs/{{org}}/apps/{app}/findings")[
        "findings"
    ]
    return found


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("1e308", "1e+308"),
        ("1e20", "1e+20"),
        ("-1", "-1"),
        ("2147483648", "2147483648"),
    ],
)
def test_sarif_line_beyond_an_integer_column_is_400_naming_it(
    api: Api, line: str, shown: str
) -> None:
    line_3 = b'"startLine": 3'
    document = _sarif(_result()).replace(line_3, b'"startLine": ' + line.encode())
    response = api.post("/orgs/{org}/apps/web/scans/sarif", content=document)
    body = error(response, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [
        "/runs/0/results/0/locations/0/physicalLocation/region/startLine: "
        f"expected a line number from 1 to 2147483647, found {shown}"
    ]
    assert api.ok("GET", "/orgs/{org}/apps") == []


@pytest.mark.parametrize("value", ["NaN", "inf", "-1", "1e999"])
@pytest.mark.parametrize("holder", ["result", "rule"])
def test_sarif_security_severity_that_is_no_score_is_ignored(
    api: Api, value: str, holder: str
) -> None:
    props = {"properties": {"security-severity": value}}
    result = _result(**props) if holder == "result" else _result()
    rule = {"id": "r1", **props} if holder == "rule" else None
    api.ok("POST", "/orgs/{org}/apps/web/scans/sarif", content=_sarif(result, rule))
    (finding,) = _findings(api, "web")
    tags = {tag["key"]: tag["value"] for tag in finding["tags"]}
    # The level ("error") decides, and the score is that severity's default.
    assert finding["severity"] == "high"
    assert (tags["cvss_score"], tags["cvss_31_severity_rating"]) == ("7.5", "high")


@pytest.mark.parametrize(
    ("path", "document", "where"),
    [
        (
            "/scans/sarif",
            _sarif(_result()).replace(b'"ruleId": "r1"', b'"ruleId": "\\ud800"'),
            "/runs/0/results/0/ruleId",
        ),
        (
            "/scans/cyclonedx",
            b'{"bomFormat": "CycloneDX", "specVersion": "1.5", '
            b'"components": [{"type": "library", "name": "\\udc00"}]}',
            "/components/0/name",
        ),
        (
            "/scans",
            b'{"schema_version": 1, "app": "web", "agent": "x\\ud800\\u0041"}',
            "/agent",
        ),
    ],
)
def test_unpaired_surrogate_in_a_report_is_400_naming_it(
    api: Api, path: str, document: bytes, where: str
) -> None:
    response = api.post(f"/orgs/{{org}}/apps/web{path}", content=document)
    (problem,) = error(response, 400, "VALIDATION_FAILED")["validation_errors"]
    assert problem.startswith(f"{where}: a string is not valid Unicode: \\u")
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_nul_in_report_text_is_stripped(api: Api) -> None:
    result = _result(message={"text": "bad\x00 eval"})
    location = result["locations"][0]["physicalLocation"]
    location["artifactLocation"]["uri"] = "src/\x00app.py"
    api.ok("POST", "/orgs/{org}/apps/web/scans/sarif", content=_sarif(result))
    (finding,) = _findings(api, "web")
    assert finding["description"] == "bad eval"
    assert finding["details"]["fileName"] == "src/app.py"
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{"type": "library", "name": "left\x00pad", "version": "1"}],
    }
    stored = api.ok(
        "POST", "/orgs/{org}/apps/web/scans/cyclonedx", content=json.dumps(sbom)
    )
    assert stored["packages"] == 1


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("branch=%00", "branch: must not contain a NUL character"),
        ("version=v%00", "version: must not contain a NUL character"),
        ("tag=k=%00", "tag: must not contain a NUL character"),
        ("branch=" + "b" * 256, "branch: must be at most 255 characters"),
        ("version=" + "v" * 256, "version: must be at most 255 characters"),
        ("tag=" + "k" * 256 + "=v", "tag: a tag's key must be at most 255 characters"),
        (
            "tag=k=" + "v" * 1025,
            "tag: a tag's value must be at most 1024 characters",
        ),
    ],
)
@pytest.mark.parametrize("kind", ["/scans/sarif", "/scans", "/scans/source"])
def test_scan_names_that_no_column_holds_are_400_naming_them(
    api: Api, query: str, problem: str, kind: str
) -> None:
    content = ESLINT.read_bytes() if kind == "/scans/sarif" else b"{}"
    response = api.post(f"/orgs/{{org}}/apps/web{kind}?{query}", content=content)
    body = error(response, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [problem]
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_scan_names_at_their_column_size_are_kept(api: Api) -> None:
    query = f"branch={'b' * 255}&version={'v' * 255}&tag={'k' * 255}={'v' * 1024}"
    scan = api.ok(
        "POST",
        f"/orgs/{{org}}/apps/web/scans/sarif?{query}",
        content=ESLINT.read_bytes(),
    )["scan"]
    assert (scan["branch"], scan["version"]) == ("b" * 255, "v" * 255)
    assert scan["tags"]["k" * 255] == "v" * 1024


def test_bundle_branch_longer_than_its_column_is_400_naming_it(api: Api) -> None:
    bundle = {"schema_version": 1, "app": "web", "branch": "b" * 256}
    response = api.post("/orgs/{org}/apps/web/scans", content=json.dumps(bundle))
    body = error(response, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [
        "/branch: not a valid sordino bundle: must be at most 255 characters"
    ]
