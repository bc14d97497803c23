"""Compounds: polyglot ingest, shapes, archive, listing, scans, delete, access."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from sordino.apps.models import App
from sordino.compounds.polyglot import platforms, split
from sordino.ingest.bundle import EngineFailure
from sordino.rbac.models import Team, TeamMember
from sordino.sca.service import NO_DATA
from sordino.scans.models import Scan
from tests.api import compound_data as data
from tests.conftest import Api

MEMBERS = {
    f"shop_element_{p}"
    for p in ("PYTHONSRC", "JSSRC", "JAVASRC", "GO", "TERRAFORM_HCL")
}


def test_split_puts_each_finding_on_its_platform() -> None:
    parts = split(data.bundle(), "shop")
    assert sorted(parts) == ["GO", "JAVASRC", "JSSRC", "PYTHONSRC", "TERRAFORM_HCL"]
    python = parts["PYTHONSRC"]
    assert python.app == "shop_element_PYTHONSRC"
    assert python.language == "python"
    # Two python vulns and the secret found in python/app.py.
    assert sorted(f.rule_id for f in python.findings) == [
        "aws-access-key",
        "python.md5",
        "python.sqli",
    ]
    assert [p.name for p in python.packages] == ["django"]
    js = parts["JSSRC"]
    assert sorted(f.type for f in js.findings) == ["oss_vuln", "vuln"]
    assert [p.name for p in js.packages] == ["lodash"]


def test_split_gives_each_member_the_failures_that_concern_it() -> None:
    failures = [
        EngineFailure(engine="checkov", reason="missing"),
        EngineFailure(engine="semgrep", reason="crashed", message="boom"),
        EngineFailure(engine="bandit", reason="timeout"),
        EngineFailure(engine="osv", reason="no_data"),
        EngineFailure(engine="secrets", reason="missing"),
    ]
    parts = split(data.bundle(failures=failures), "shop")
    engines = {p: [f.engine for f in part.failures] for p, part in parts.items()}
    assert engines == {
        "GO": ["semgrep", "secrets"],
        "JAVASRC": ["semgrep", "secrets"],
        # The advisory lookup concerns the members with packages.
        "JSSRC": ["semgrep", "osv", "secrets"],
        "PYTHONSRC": ["semgrep", "bandit", "osv", "secrets"],
        "TERRAFORM_HCL": ["checkov", "semgrep", "secrets"],
    }
    # Each member has lists of its own: ingest adds to them.
    lists = [id(part.failures) for part in parts.values()]
    lists += [id(part.findings) for part in parts.values()]
    assert len(set(lists)) == 10


def test_failures_that_concern_no_member_go_to_every_member() -> None:
    failures = [
        EngineFailure(engine="remote", reason="crashed"),
        EngineFailure(engine="lockfiles", reason="crashed"),
        EngineFailure(engine="bandit", reason="missing"),
    ]
    bundle = data.bundle(
        languages=["go", "terraform"], findings=[], packages=[], failures=failures
    )
    parts = split(bundle, "infra")
    engines = {p: [f.engine for f in part.failures] for p, part in parts.items()}
    # No packages: the lockfile reader concerns the members of an ecosystem.
    assert engines == {
        "GO": ["remote", "lockfiles", "bandit"],
        "TERRAFORM_HCL": ["remote", "bandit"],
    }


def test_member_scans_carry_only_their_own_failures(api: Api) -> None:
    data.store(api.db, api.org_id)
    data.store(api.db, api.org_id, version="v2")
    scans = api.ok("GET", "/orgs/{org}/compounds/named/shop/scans?limit=5")["scans"]
    by_platform = {s["app"].removeprefix("shop_element_"): s for s in scans}
    failures = {
        platform: [(f["engine"], f["reason"]) for f in scan["failures"]]
        for platform, scan in by_platform.items()
    }
    # The test database has no advisories: ingest meets that for the members
    # with packages, once each, and never hands it on to the next member.
    assert failures == {
        "GO": [],
        "JAVASRC": [],
        "JSSRC": [("osv", "no_data")],
        "PYTHONSRC": [("osv", "no_data")],
        "TERRAFORM_HCL": [("checkov", "missing")],
    }
    successful = {p: s["successful"] for p, s in by_platform.items()}
    assert successful == {
        "GO": True,
        "JAVASRC": True,
        "JSSRC": True,
        "PYTHONSRC": True,
        "TERRAFORM_HCL": False,
    }


def test_member_scans_status_filter_matches_the_status_field(api: Api) -> None:
    data.store(api.db, api.org_id)
    path = "/orgs/{org}/compounds/named/shop/scans?limit=50"
    every = api.ok("GET", path)["scans"]
    assert {(s["status"], s["successful"]) for s in every} == {
        ("completed", True),
        ("completed", False),
    }
    completed = api.ok("GET", path + "&status=completed")["scans"]
    assert [s["id"] for s in completed] == [s["id"] for s in every]
    assert api.ok("GET", path + "&status=failed")["scans"] == []
    with api.db.session() as session:
        session.execute(
            update(Scan).where(Scan.id == int(every[0]["id"])).values(status="failed")
        )
    failed = api.ok("GET", path + "&status=failed")["scans"]
    assert [(s["id"], s["status"]) for s in failed] == [(every[0]["id"], "failed")]
    assert len(api.ok("GET", path + "&status=completed")["scans"]) == 4
    assert api.ok("GET", path + "&status=running")["scans"] == []


def test_unknown_language_goes_to_the_generic_element() -> None:
    bundle = data.bundle(languages=["python"])
    bundle.findings.append(
        data.FindingRecord(
            type="secret", rule_id="pw", title="password", file="conf/app.yaml"
        )
    )
    assert "SECRETS" in platforms(bundle)
    assert [f.rule_id for f in split(bundle, "x")["SECRETS"].findings] == ["pw"]


def test_polyglot_scan_creates_compound_and_members(api: Api) -> None:
    polyglot_id = data.store(api.db, api.org_id)
    shallow = api.ok("GET", "/orgs/{org}/compounds/byname/shop/shallow")
    assert set(shallow["apps"]) == MEMBERS
    full = api.ok("GET", f"/orgs/{{org}}/compounds/full/{shallow['id']}")
    assert {m["id"] for m in full["apps"].values()} == MEMBERS
    assert all(m["compound"] == shallow["id"] for m in full["apps"].values())
    for path in ("shallow/{id}", "byid/{id}/shallow"):
        got = api.ok("GET", "/orgs/{org}/compounds/" + path.format(id=shallow["id"]))
        assert got == shallow
    streamlined = api.ok("GET", "/orgs/{org}/compounds/named/shop/scans/streamlined")
    assert streamlined["agents"] == ["cli"]
    (scan,) = streamlined["scans"]
    assert scan["polyglot_scan_id"] == polyglot_id
    assert scan["platforms"] == [
        "GO",
        "JAVASRC",
        "JSSRC",
        "PYTHONSRC",
        "TERRAFORM_HCL",
    ]
    assert scan["languages"] == data.LANGUAGES
    # vulns: python critical + medium, js critical, java high, go low.
    assert scan["vulns"] == {"critical": 2, "high": 1, "medium": 1, "low": 1}
    assert scan["oss_vulns"]["high"] == 1
    assert scan["oss_vulns"]["unreachable"] == 1
    assert scan["secrets"] == 1
    assert scan["oss_risks"] == 1
    # Every failure once: the bundle's and the one ingest met (no advisories).
    assert scan["failures"] == ["checkov missing", f"osv no_data: {NO_DATA.message}"]


def test_member_scans_and_branches(api: Api) -> None:
    data.store(api.db, api.org_id, branch="main")
    data.store(api.db, api.org_id, branch="feature/x", version="v2")
    scans = api.ok("GET", "/orgs/{org}/compounds/named/shop/scans?limit=50")["scans"]
    assert len(scans) == 10
    assert {s["app"] for s in scans} == MEMBERS
    only = api.ok("GET", "/orgs/{org}/compounds/named/shop/scans?branch=feature/x")
    assert {s["branch"] for s in only["scans"]} == {"feature/x"}
    limited = api.ok("GET", "/orgs/{org}/compounds/named/shop/scans?limit=3")
    assert len(limited["scans"]) == 3
    one = api.ok("GET", f"/orgs/{{org}}/compounds/named/shop/scans/{scans[0]['id']}")
    assert one["id"] == scans[0]["id"]
    assert any(c["key"] == "category" for c in one["counts"])
    missing = api.get("/orgs/{org}/compounds/named/shop/scans/999999")
    assert missing.status_code == 404
    branches = api.ok("GET", "/orgs/{org}/compounds/named/shop/branches")
    assert branches["branches"] == ["feature/x", "main"]
    assert api.get("/orgs/{org}/compounds/named/shop/scans?limit=51").status_code == 400


def test_streamlined_limit_branch_and_upto(api: Api) -> None:
    first = data.store(api.db, api.org_id, branch="main")
    second = data.store(api.db, api.org_id, branch="dev")
    base = "/orgs/{org}/compounds/named/shop/scans/streamlined"
    ids = [s["polyglot_scan_id"] for s in api.ok("GET", base)["scans"]]
    assert ids == [second, first]
    assert [
        s["polyglot_scan_id"] for s in api.ok("GET", base + "?limit=1")["scans"]
    ] == [second]
    dev = api.ok("GET", base + "?branch=dev")["scans"]
    assert [s["polyglot_scan_id"] for s in dev] == [second]
    past = int(dt.datetime(2001, 1, 1, tzinfo=dt.UTC).timestamp() * 1e9)
    assert api.ok("GET", base + f"?upto={past}")["scans"] == []
    future = int(dt.datetime(2999, 1, 1, tzinfo=dt.UTC).timestamp() * 1e9)
    assert len(api.ok("GET", base + f"?upto={future}")["scans"]) == 2
    # Past the last date there is (the year 9999), every scan is older.
    assert len(api.ok("GET", base + f"?upto={10**23 - 1}")["scans"]) == 2
    late = int(dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC).timestamp() * 1e9)
    assert len(api.ok("GET", base + f"?upto={late}")["scans"]) == 2
    bad = api.get(base + "?upto=-1")
    assert bad.status_code == 400
    assert any("upto" in p for p in bad.json()["validation_errors"])


def test_archived_compounds_are_hidden_unless_asked(api: Api) -> None:
    data.store(api.db, api.org_id, name="shop")
    data.store(api.db, api.org_id, name="blog")
    names = [c["name"] for c in api.ok("GET", "/orgs/{org}/compounds")["compounds"]]
    assert names == ["blog", "shop"]
    api.ok("PATCH", "/orgs/{org}/compounds/named/shop", json={"is_archived": True})
    listed = api.ok("GET", "/orgs/{org}/compounds")["compounds"]
    assert [c["name"] for c in listed] == ["blog"]
    archived = api.ok("GET", "/orgs/{org}/compounds?archived=true")["compounds"]
    assert [c["name"] for c in archived] == ["shop"]
    assert api.ok("GET", "/orgs/{org}/compounds?archived")["compounds"] == archived
    listed_false = api.ok("GET", "/orgs/{org}/compounds?archived=false")
    assert [c["name"] for c in listed_false["compounds"]] == ["blog"]
    for path in ("/orgs/{org}/compounds", "/orgs/{org}/compounds/named/shop/scans"):
        maybe = api.get(path + "?archived=maybe")
        assert maybe.status_code == 400
        assert any("archived" in p for p in maybe.json()["validation_errors"])
    assert api.get("/orgs/{org}/compounds/named/shop/scans").status_code == 404
    api.ok("GET", "/orgs/{org}/compounds/named/shop/scans?archived=true")
    api.ok("PATCH", "/orgs/{org}/compounds/named/shop", json={"is_archived": False})
    api.ok("GET", "/orgs/{org}/compounds/named/shop/scans")
    bad = api.patch("/orgs/{org}/compounds/named/shop", json={})
    assert bad.status_code == 400


def test_compound_list_pages(api: Api) -> None:
    for name in ("a", "b", "c"):
        data.store(api.db, api.org_id, name=name)
    first = api.get("/orgs/{org}/compounds?per_page=2").json()
    assert [c["name"] for c in first["response"]["compounds"]] == ["a", "b"]
    assert first["next_page"].startswith("http://testserver/api/v4/")
    assert "page=2" in first["next_page"]
    second = api.get("/orgs/{org}/compounds?per_page=2&page=2").json()
    assert [c["name"] for c in second["response"]["compounds"]] == ["c"]
    assert "next_page" not in second


def test_byname_falls_back_to_an_app(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "solo", "name": "Solo"}])
    got = api.ok("GET", "/orgs/{org}/compounds/byname/solo/shallow")
    assert got == {"id": "solo", "name": "Solo", "apps": ["solo"]}
    data.store(api.db, api.org_id)
    member = api.ok("GET", "/orgs/{org}/compounds/byname/shop_element_GO/shallow")
    assert member["name"] == "shop"
    assert api.get("/orgs/{org}/compounds/byname/nothing/shallow").status_code == 404


def test_delete_removes_compound_and_members(api: Api) -> None:
    data.store(api.db, api.org_id)
    compound_id = api.ok("GET", "/orgs/{org}/compounds/byname/shop/shallow")["id"]
    api.ok("DELETE", f"/orgs/{{org}}/compounds/{compound_id}")
    assert api.get(f"/orgs/{{org}}/compounds/full/{compound_id}").status_code == 404
    with api.db.session() as session:
        left = session.scalars(select(App).where(App.org_id == api.org_id)).all()
        assert list(left) == []


def test_other_org_sees_nothing(api: Api, other_api: Api) -> None:
    data.store(api.db, api.org_id)
    compound_id = api.ok("GET", "/orgs/{org}/compounds/byname/shop/shallow")["id"]
    assert (
        other_api.get(f"/orgs/{{org}}/compounds/full/{compound_id}").status_code == 404
    )
    assert other_api.ok("GET", "/orgs/{org}/compounds")["compounds"] == []


def test_team_defined_sees_compounds_of_its_team_apps(api: Api) -> None:
    data.store(api.db, api.org_id, name="shop")
    data.store(api.db, api.org_id, name="blog")
    viewer = api.as_role("TEAM_DEFINED")
    with api.db.session() as session:
        team = Team(org_id=api.org_id, name="shop-team")
        session.add(team)
        session.flush()
        session.add(
            TeamMember(team_id=team.id, user_id=viewer.user_id, role_id="TEAM_ADMIN")
        )
        app = session.scalar(
            select(App).where(App.org_id == api.org_id, App.app_id == "shop_element_GO")
        )
        assert app is not None
        app.team_id = team.id
    names = [c["name"] for c in viewer.ok("GET", "/orgs/{org}/compounds")["compounds"]]
    assert names == ["shop"]
    # Per-app scopes such as project:read count through the member's team.
    shallow = viewer.ok("GET", "/orgs/{org}/compounds/byname/shop/shallow")
    assert shallow["apps"] == ["shop_element_GO"]
    viewer.ok("GET", "/orgs/{org}/compounds/byname/shop/findings")
    assert viewer.get("/orgs/{org}/compounds/byname/blog/findings").status_code == 404
