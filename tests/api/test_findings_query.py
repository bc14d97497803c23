"""App findings listing: every parameter on data where it changes the answer."""

from __future__ import annotations

import pytest

from tests.api.findings_data import APP, History, history, ids_of
from tests.conftest import Api

URL = f"/orgs/{{org}}/apps/{APP}/findings"


@pytest.fixture
def data(api: Api) -> History:
    return history(api)


def listing(api: Api, **params: object) -> dict[str, object]:
    response = api.ok("GET", URL, params=params)
    assert isinstance(response, dict)
    return response


def test_default_is_latest_scan_unset_findings_newest_id_first(
    api: Api, data: History
) -> None:
    body = listing(api)
    ids = data.ids
    assert ids_of(body) == sorted([ids["xss"], ids["xss2"], ids["rce"]], reverse=True)
    scan = body["scan"]
    assert scan["id"] == str(data.scans[2])
    assert scan["version"] == "v3"
    assert scan["total"] == 3
    assert body["total_count"] == 3
    assert body["has_more"] is False
    vuln = scan["findings_summaries"][0]
    assert vuln["finding_type"] == "vuln"
    assert vuln["by_severity"] == {
        "critical": {"total": 1},
        "info": {"total": 1},
        "moderate": {"total": 1},
    }
    assert vuln["by_category"]["XSS"] == {"total": 2}


def test_scan_version_and_scan_tags_select_the_scan(api: Api, data: History) -> None:
    ids = data.ids
    first = {ids["xss"], ids["sqli"], ids["xss2"], ids["secret"]}
    assert set(ids_of(listing(api, scan=data.scans[0]))) == first
    assert set(ids_of(listing(api, version="v1"))) == first
    dev = listing(api, tags="branch=dev")
    assert dev["scan"]["id"] == str(data.scans[1])
    assert set(ids_of(dev)) == {ids["xss"], ids["sqli"], ids["rce"]}
    main = listing(api, tags="branch=main")
    assert main["scan"]["id"] == str(data.scans[2])
    assert listing(api, version="never-scanned")["findings"] == []


def test_type_repeats_are_ored(api: Api, data: History) -> None:
    ids = data.ids
    assert ids_of(listing(api, scan=data.scans[0], type="secret")) == [ids["secret"]]
    both = listing(api, scan=data.scans[0], type=["secret", "vuln"])
    assert len(ids_of(both)) == 4


def test_severity_and_legacy_bands(api: Api, data: History) -> None:
    ids = data.ids
    first = data.scans[0]
    assert ids_of(listing(api, scan=first, severity="high")) == [ids["sqli"]]
    legacy = set(ids_of(listing(api, scan=first, severity="critical")))
    assert legacy == {ids["xss"], ids["sqli"]}
    assert ids_of(listing(api, scan=first, severity="moderate")) == [ids["xss2"]]
    assert ids_of(listing(api, scan=first, severity="info")) == [ids["secret"]]


def test_finding_tags_same_key_or_different_keys_and(api: Api, data: History) -> None:
    ids = data.ids
    first = data.scans[0]
    xss = set(ids_of(listing(api, scan=first, finding_tags="category=XSS")))
    assert xss == {ids["xss"], ids["xss2"]}
    either = listing(
        api, scan=first, finding_tags=["framework=flask", "framework=django"]
    )
    assert set(ids_of(either)) == {ids["xss"], ids["sqli"]}
    both = listing(api, scan=first, finding_tags=["framework=flask", "category=XSS"])
    assert ids_of(both) == [ids["xss"]]
    cwe = listing(api, scan=first, finding_tags="cwe_category=89")
    assert ids_of(cwe) == [ids["sqli"]]
    rating = listing(api, scan=first, finding_tags="cvss_31_severity_rating=critical")
    assert ids_of(rating) == [ids["xss"]]


def test_category_and_details_tags(api: Api, data: History) -> None:
    ids = data.ids
    first = data.scans[0]
    sqli = listing(api, scan=first, category="SQL Injection")
    assert ids_of(sqli) == [ids["sqli"]]
    assert ids_of(listing(api, scan=first, details_tags="sink=html")) == [ids["xss"]]


def test_status_default_any_and_values(api: Api, data: History) -> None:
    ids = data.ids
    api.ok("PUT", f"{URL}/{ids['xss']}/status", json={"status": "fixed"})
    api.ok("PUT", f"{URL}/{ids['rce']}/status", json={"status": "ignore"})
    assert ids_of(listing(api)) == [ids["xss2"]]
    assert ids_of(listing(api, status="fixed")) == [ids["xss"]]
    assert ids_of(listing(api, status="ignored")) == [ids["rce"]]
    assert len(ids_of(listing(api, status="any"))) == 3
    assert len(ids_of(listing(api, status=["fixed", "unset"]))) == 2
    summary = listing(api, status="any")["scan"]
    assert (summary["total_fixed"], summary["total_ignored"]) == (1, 1)


def test_assignee_and_assignment(api: Api, data: History) -> None:
    ids = data.ids
    body = {"assignee": "dev@example.com"}
    api.ok("PUT", f"{URL}/{ids['xss2']}/assignment", json=body)
    assert ids_of(listing(api, assignee="dev@example.com")) == [ids["xss2"]]
    assert ids_of(listing(api, assignment="assigned")) == [ids["xss2"]]
    assert set(ids_of(listing(api, assignment="unassigned"))) == {
        ids["xss"],
        ids["rce"],
    }


def test_sort_and_order(api: Api, data: History) -> None:
    ids = data.ids
    first = data.scans[0]
    by_severity = ids_of(listing(api, scan=first, sort="severity"))
    assert by_severity == [ids["xss"], ids["sqli"], ids["xss2"], ids["secret"]]
    ascending = ids_of(listing(api, scan=first, sort="cvss_score", order="asc"))
    assert ascending == [ids["secret"], ids["xss2"], ids["sqli"], ids["xss"]]
    by_category = ids_of(listing(api, scan=first, sort="category", order="asc"))
    assert by_category[0] == ids["secret"]
    assert ids_of(listing(api, scan=first, order="asc")) == sorted(by_severity)


def test_diff_against_a_source(api: Api, data: History) -> None:
    ids = data.ids
    second = f"scan.{data.scans[1]}"
    new = set(ids_of(listing(api, source=second, diff="new")))
    assert new == {ids["xss2"]}
    assert ids_of(listing(api, source=second, diff="regression")) == [ids["xss2"]]
    assert ids_of(listing(api, source=second, diff="fixed")) == [ids["sqli"]]
    common = set(ids_of(listing(api, source=second, diff="common")))
    assert common == {ids["xss"], ids["rce"]}
    first = f"scan.{data.scans[0]}"
    assert listing(api, source=first, diff="regression")["findings"] == []
    by_tag = listing(api, scan=data.scans[1], source="tag.branch=main", diff="new")
    assert ids_of(by_tag) == [ids["sqli"]]


def test_only_counts(api: Api, data: History) -> None:
    body = listing(api, scan=data.scans[0], only_counts="true")
    assert set(body) == {"counts", "scan", "total_count"}
    assert body["total_count"] == 4
    for entry in body["counts"]:
        assert set(entry) == {"finding_type", "key", "value", "count"}
    xss = [c for c in body["counts"] if c["key"] == "category" and c["value"] == "XSS"]
    assert xss == [
        {"finding_type": "vuln", "key": "category", "value": "XSS", "count": 2}
    ]


def test_fields_and_dataflows(api: Api, data: History) -> None:
    ids = data.ids
    plain = listing(api, finding_tags="framework=flask")["findings"][0]
    assert "dataflow" not in plain["details"]
    assert plain["details"]["tags"] == "source=http,sink=html"
    flows = listing(api, finding_tags="framework=flask", include_dataflows="true")
    steps = flows["findings"][0]["details"]["dataflow"]["list"]
    assert [s["location"]["line_number"] for s in steps] == [3, 9]
    trimmed = listing(api, fields=["-description", "-details"])["findings"]
    assert all("description" not in f and "details" not in f for f in trimmed)
    assert int(trimmed[-1]["id"]) == min(ids["xss"], ids["xss2"], ids["rce"])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"severity": "urgent"}, "severity"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "100000"}, "per_page"),
        ({"page": "x"}, "page"),
        ({"source": "branch.main", "diff": "new"}, "source"),
        ({"diff": "new"}, "source"),
        ({"diff": "sideways", "source": "scan.1"}, "diff"),
        ({"sort": "colour"}, "sort"),
        ({"order": "up"}, "order"),
        ({"type": "bug"}, "type"),
        ({"status": "done"}, "status"),
        ({"assignment": "maybe"}, "assignment"),
        ({"finding_tags": "novalue"}, "finding_tags"),
        ({"fields": "-title"}, "fields"),
        ({"only_counts": "perhaps"}, "only_counts"),
    ],
)
def test_invalid_values_name_the_parameter(
    api: Api, data: History, params: dict[str, str], name: str
) -> None:
    response = api.get(URL, params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    assert set(body) == {"ok", "code", "message", "validation_errors"}
    assert any(e.startswith(f"{name}:") for e in body["validation_errors"])


def test_unknown_parameters_are_ignored_and_missing_scans_404(
    api: Api, data: History, other_api: Api
) -> None:
    assert len(ids_of(listing(api, colour="blue"))) == 3
    assert api.get(URL, params={"scan": "999999"}).status_code == 404
    assert api.get(URL, params={"source": "scan.999999"}).status_code == 404
    assert other_api.get(URL.replace("{org}", api.org_id)).status_code == 404


def test_app_without_scans_has_no_scan_key(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "empty"}])
    body = api.ok("GET", "/orgs/{org}/apps/empty/findings")
    assert body == {"counts": [], "total_count": 0, "findings": [], "has_more": False}
