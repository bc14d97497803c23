"""Check analysis (#104), its stored report (#106) and policies (#53-#55)."""

from __future__ import annotations

from typing import Any

from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api

CHECK = "/orgs/{org}/apps/shop/scans/check"
NO_CRITS = {
    "version": 2,
    "meta": {"kind": "diff", "num_findings": 5},
    "rules": [{"id": "no-crits", "tags": {"severity": ["critical"]}, "threshold": 0}],
}
POLICY = """version: 2
meta:
  kind: single
rules:
  - id: few-highs
    tags:
      severity: [high, critical]
    threshold: 3
"""


def _check(api: Api, body: dict[str, Any]) -> Any:
    return api.ok("POST", CHECK, json=body)


def test_diff_check_counts_only_new_findings(api: Api) -> None:
    first = add_scan(api.db, api.org_id, [sqli(), weak_hash()])
    second = add_scan(api.db, api.org_id, [sqli(), weak_hash(), xss()])

    result = _check(api, NO_CRITS)

    assert result["source"] == {"id": int(first["scan"])}
    assert result["target"] == {"id": int(second["scan"])}
    rule = result["rules"]["no-crits"]
    assert rule["matched"] == 0
    assert rule["over_threshold"] == 0
    assert result["totals"]["over_threshold"] == 0


def test_new_critical_goes_over_threshold(api: Api) -> None:
    add_scan(api.db, api.org_id, [weak_hash()])
    add_scan(api.db, api.org_id, [weak_hash(), sqli(), sqli(path="app/other.py")])

    result = _check(api, NO_CRITS)

    rule = result["rules"]["no-crits"]
    assert rule["matched"] == 2
    assert rule["over_threshold"] == 2
    assert rule["by_tag"] == {"severity": {"critical": 2}}
    assert [f["title"] for f in rule["findings"]] == [sqli().title] * 2
    assert isinstance(rule["findings"][0]["id"], int)
    assert rule["findings"][0]["tags"]["category"] == ["SQL Injection"]


def test_single_check_sees_every_finding_and_limits_the_list(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli(), xss()])
    add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])
    body = {
        "version": 2,
        "meta": {"kind": "single", "num_findings": 1},
        "rules": [
            {"id": "any", "threshold": 10},
            {"id": "xss", "tags": {"category": ["XSS"]}, "num_findings": 0},
        ],
    }

    result = _check(api, body)

    assert result["rules"]["any"]["matched"] == 3
    assert len(result["rules"]["any"]["findings"]) == 1
    assert result["rules"]["xss"]["matched"] == 1
    assert result["rules"]["xss"]["findings"] == []
    assert result["rules"]["xss"]["over_threshold"] == 0
    assert result["totals"]["matched"] == 3


def test_source_and_target_by_branch_scan_and_tag(api: Api) -> None:
    main = add_scan(api.db, api.org_id, [sqli()], branch="main")
    feature = add_scan(
        api.db, api.org_id, [sqli(), xss()], branch="feature", tags={"pr": "7"}
    )
    body = dict(NO_CRITS, source={"branch": "main"}, target={"tag": "pr=7"})
    result = _check(api, body)
    assert result["source"]["id"] == int(main["scan"])
    assert result["target"]["id"] == int(feature["scan"])

    by_id = dict(NO_CRITS, target={"scan": int(main["scan"])})
    assert _check(api, by_id)["target"]["id"] == int(main["scan"])


def test_default_target_is_the_default_branch(api: Api) -> None:
    main = add_scan(api.db, api.org_id, [sqli()], branch="main")
    add_scan(api.db, api.org_id, [xss()], branch="feature")
    api.ok(
        "PATCH",
        "/orgs/{org}/apps/shop/configuration/default_branch",
        json={"default_branch": "main"},
    )
    assert _check(api, NO_CRITS)["target"]["id"] == int(main["scan"])


def test_stored_result_is_readable_from_the_scan_report(api: Api) -> None:
    add_scan(api.db, api.org_id, [weak_hash()])
    second = add_scan(api.db, api.org_id, [weak_hash(), sqli()])
    result = _check(api, NO_CRITS)

    stored = api.ok("GET", f"/orgs/{{org}}/apps/shop/scans/{second['scan']}/report")

    assert stored == [result]


def test_bad_check_bodies_are_400(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()])
    bad = [
        {"version": 1, "meta": {"kind": "diff"}, "rules": []},
        {"version": 2, "rules": []},
        {"version": 2, "meta": {"kind": "other"}, "rules": []},
        dict(NO_CRITS, rules=[{"id": "a"}, {"id": "a"}]),
        dict(NO_CRITS, source={"branch": "main", "scan": 1}),
    ]
    for body in bad:
        response = api.post(CHECK, json=body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "VALIDATION_FAILED"


def test_check_without_scans_is_404(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], app="other")
    assert api.post(CHECK, json=NO_CRITS).status_code == 404
    missing = dict(NO_CRITS, source={"scan": 999999})
    assert api.post(CHECK.replace("shop", "other"), json=missing).status_code == 404


def test_policy_upload_versions_and_resolution(api: Api) -> None:
    yaml = {"Content-Type": "application/yaml"}
    path = "/orgs/{org}/checkanalysis/policies/gate"

    first = api.ok(
        "PUT", path, content=POLICY, headers=yaml, params={"useDefaults": "true"}
    )
    assert first["tags"] == ["v1", "latest"]
    assert len(first["contentHash"]) == 64
    again = api.ok(
        "PUT", path, content=POLICY, headers=yaml, params={"useDefaults": "true"}
    )
    assert again == first
    changed = POLICY.replace("threshold: 3", "threshold: 1")
    second = api.ok(
        "PUT", path, content=changed, headers=yaml, params={"useDefaults": "true"}
    )
    assert second["tags"] == ["v2", "latest"]
    assert second["contentHash"] != first["contentHash"]

    latest = api.get(path + ":latest")
    assert latest.status_code == 200
    assert latest.headers["content-type"].startswith("application/yaml")
    assert latest.text == changed
    assert api.get(path + ":v1").text == POLICY
    assert api.get(path).text == changed
    assert api.get(path + ":v9").status_code == 404


def test_policy_tags_and_listing(api: Api) -> None:
    yaml = {"Content-Type": "application/yaml"}
    base = "/orgs/{org}/checkanalysis/policies"
    api.ok("PUT", base + "/gate", content=POLICY, headers=yaml, params={"tag": "prod"})
    api.ok("PUT", base + "/other", content=POLICY, headers=yaml, params={"tag": "x"})

    listed = api.ok("GET", base)
    assert len(listed) == 1
    names = {entry["name"]: entry["tags"] for entry in listed[0]["tags"]}
    assert names == {"gate": ["prod"], "other": ["x"]}
    only_gate = api.ok("GET", base, params={"name": "gate"})
    assert only_gate[0]["tags"] == [{"name": "gate", "tags": ["prod"]}]


def test_invalid_policies_are_rejected(api: Api) -> None:
    yaml = {"Content-Type": "application/yaml"}
    path = "/orgs/{org}/checkanalysis/policies/gate"
    for content in ("version: [unclosed", "- a list", "version: 2\nrules: 5\n"):
        response = api.put(path, content=content, headers=yaml)
        assert response.status_code == 400, content
        assert response.json()["code"] == "VALIDATION_FAILED"
    assert (
        api.put(
            "/orgs/{org}/checkanalysis/policies/bad name", content=POLICY
        ).status_code
        == 400
    )
    assert api.get("/orgs/{org}/checkanalysis/policies/none:latest").status_code == 404
