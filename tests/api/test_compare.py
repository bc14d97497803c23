"""Comparing two scans: new, fixed and common findings, with regressions."""

from __future__ import annotations

from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api

COMPARE = "/orgs/{org}/apps/shop/scans/compare"


def test_compare_by_scan_ids(api: Api) -> None:
    first = add_scan(api.db, api.org_id, [sqli(), weak_hash()])
    second = add_scan(api.db, api.org_id, [sqli(), xss()])

    diff = api.ok(
        "GET",
        COMPARE,
        params={"source": f"scan.{first['scan']}", "target": f"scan.{second['scan']}"},
    )

    assert diff["source"]["id"] == first["scan"]
    assert diff["target"]["id"] == second["scan"]
    assert [f["category"] for f in diff["new"]] == ["XSS"]
    assert [f["category"] for f in diff["fixed"]] == ["Weak Hash"]
    assert [f["category"] for f in diff["common"]] == ["SQL Injection"]
    for finding in diff["new"] + diff["fixed"] + diff["common"]:
        assert isinstance(finding["id"], str)
        assert finding["regression"] is False
        assert "/" in finding["internal_id"]


def test_compare_by_tag_uses_latest_tagged_scan(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], branch="main")
    main = add_scan(api.db, api.org_id, [sqli(), weak_hash()], branch="main")
    feature = add_scan(api.db, api.org_id, [weak_hash()], branch="feature")

    diff = api.ok(
        "GET",
        COMPARE,
        params={"source": "tag.branch=main", "target": "tag.branch=feature"},
    )

    assert diff["source"]["id"] == main["scan"]
    assert diff["target"]["id"] == feature["scan"]
    assert diff["new"] == []
    assert [f["category"] for f in diff["fixed"]] == ["SQL Injection"]


def test_compare_marks_regressions(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli(), xss()])
    middle = add_scan(api.db, api.org_id, [xss()])
    last = add_scan(api.db, api.org_id, [sqli(), xss()])

    diff = api.ok(
        "GET",
        COMPARE,
        params={"source": f"scan.{middle['scan']}", "target": f"scan.{last['scan']}"},
    )

    assert [(f["category"], f["regression"]) for f in diff["new"]] == [
        ("SQL Injection", True)
    ]
    assert [f["regression"] for f in diff["common"]] == [False]


def test_compare_same_scan_has_only_common(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), xss()])
    ref = f"scan.{made['scan']}"
    diff = api.ok("GET", COMPARE, params={"source": ref, "target": ref})
    assert diff["new"] == []
    assert diff["fixed"] == []
    assert len(diff["common"]) == 2


def test_compare_errors(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli()])
    good = f"scan.{made['scan']}"
    cases = [
        ({"source": "latest", "target": good}, 400),
        ({"source": good}, 400),
        ({"source": good, "target": "scan.999999"}, 404),
        ({"source": good, "target": "tag.branch=nowhere"}, 404),
    ]
    for params, status in cases:
        response = api.get(COMPARE, params=params)
        assert response.status_code == status, params
        assert response.json()["ok"] is False
