"""Check analysis (#104), its stored report (#106) and policies (#53-#55)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sordino.apps.models import App
from sordino.ingest.bundle import FindingRecord
from sordino.rbac.builtin import GUEST
from sordino.scans.models import Scan
from tests.api import compound_data
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


COMPOUND_CHECK = "/orgs/{org}/apps/shop/scans/check"


def _go_command_injection() -> FindingRecord:
    return FindingRecord(
        rule_id="go.cmdi",
        title="Command injection in go handler",
        severity="critical",
        cvss_score=9.1,
        category="Command Injection",
        cwe=[78],
        language="go",
        file="go/exec.go",
        line=7,
        snippet="exec.Command(input)",
    )


def _member_scans(api: Api, polyglot: int) -> dict[str, int]:
    """Member app id -> scan id of one polyglot scan."""
    with api.db.session() as session:
        rows = session.execute(
            select(App.app_id, Scan.id)
            .join(Scan, Scan.app_pk == App.pk)
            .where(Scan.polyglot_scan_id == polyglot)
        ).all()
    return dict(rows)


def test_compound_diff_sees_new_findings_of_every_member(api: Api) -> None:
    first = compound_data.store(api.db, api.org_id)
    second = compound_data.store(
        api.db,
        api.org_id,
        version="v2",
        findings=[*compound_data.findings(), _go_command_injection()],
    )
    members = _member_scans(api, second)

    result = api.ok("POST", COMPOUND_CHECK, json=NO_CRITS)

    assert result["source"] == {
        "id": first,
        "scans": sorted(_member_scans(api, first).values()),
    }
    assert result["target"] == {"id": second, "scans": sorted(members.values())}
    rule = result["rules"]["no-crits"]
    assert (rule["matched"], rule["over_threshold"]) == (1, 1)
    assert [f["title"] for f in rule["findings"]] == ["Command injection in go handler"]
    # Stored once per member scan of the target: each member's report shows it.
    for app_id, scan_id in members.items():
        stored = api.ok("GET", f"/orgs/{{org}}/apps/{app_id}/scans/{scan_id}/report")
        assert stored == [result]


def test_compound_single_check_counts_every_member_finding(api: Api) -> None:
    compound_data.store(api.db, api.org_id)
    body = dict(NO_CRITS, meta={"kind": "single"})

    rule = api.ok("POST", COMPOUND_CHECK, json=body)["rules"]["no-crits"]

    # The sample's critical findings: the Python and JavaScript injections.
    assert rule["matched"] == 2
    assert sorted(f["tags"]["language"][0] for f in rule["findings"]) == [
        "javascript",
        "python",
    ]
    assert "source" not in api.ok("POST", COMPOUND_CHECK, json=NO_CRITS)


def test_compound_source_and_target_by_branch_scan_and_tag(api: Api) -> None:
    main = compound_data.store(api.db, api.org_id, branch="main")
    feature = compound_data.store(
        api.db,
        api.org_id,
        version="v2",
        branch="feature",
        tags={"pr": "7"},
        findings=[*compound_data.findings(), _go_command_injection()],
    )
    latest = compound_data.store(api.db, api.org_id, version="v3", branch="main")

    def ids(source: dict[str, Any], target: dict[str, Any]) -> tuple[int, int]:
        result = api.ok(
            "POST", COMPOUND_CHECK, json=dict(NO_CRITS, source=source, target=target)
        )
        return result["source"]["id"], result["target"]["id"]

    assert ids({"branch": "main"}, {"tag": "pr=7"}) == (latest, feature)
    assert ids({"scan": main}, {"branch": "feature"}) == (main, feature)
    assert ids({"branch": "main"}, {"branch": "main"}) == (main, latest)
    over = api.ok("POST", COMPOUND_CHECK, json=dict(NO_CRITS, source={"scan": main}))[
        "totals"
    ]["over_threshold"]
    assert over == 0  # the default target, the latest main scan, adds nothing
    missing = dict(NO_CRITS, source={"scan": 999999})
    assert api.post(COMPOUND_CHECK, json=missing).status_code == 404
    no_tag = dict(NO_CRITS, target={"tag": "pr=8"})
    assert api.post(COMPOUND_CHECK, json=no_tag).status_code == 404
    bad_tag = api.post(COMPOUND_CHECK, json=dict(NO_CRITS, target={"tag": "pr"}))
    assert bad_tag.status_code == 400
    assert bad_tag.json()["code"] == "VALIDATION_FAILED"


def test_compound_wins_over_an_app_of_the_same_name_else_the_app(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], app="shop")
    add_scan(api.db, api.org_id, [sqli(), sqli(path="app/more.py")], app="shop")
    add_scan(api.db, api.org_id, [xss()], app="solo")
    add_scan(api.db, api.org_id, [xss(), sqli()], app="solo")
    polyglot = compound_data.store(api.db, api.org_id)

    assert api.ok("POST", COMPOUND_CHECK, json=NO_CRITS)["target"]["id"] == polyglot
    solo = api.ok("POST", CHECK.replace("shop", "solo"), json=NO_CRITS)
    assert solo["rules"]["no-crits"]["matched"] == 1
    assert "scans" not in solo["target"]
    nothing = api.post(CHECK.replace("shop", "nothing"), json=NO_CRITS)
    assert nothing.status_code == 404


def test_compound_check_needs_findings_list(api: Api) -> None:
    compound_data.store(api.db, api.org_id)
    role = api.as_role("TEAM_DEFINED")
    # A TEAM_DEFINED caller sees no member app of the compound nor an app of
    # that name: the name answers 404 as if it did not exist.
    assert role.post(COMPOUND_CHECK, json=NO_CRITS).status_code == 404
    guest = api.as_role("GUEST").post(COMPOUND_CHECK, json=NO_CRITS)
    assert guest.status_code == (200 if "findings:list" in GUEST.scopes else 403)
