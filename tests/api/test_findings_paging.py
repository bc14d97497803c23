"""Paging by next_page, org-wide findings, the org summary and versions."""

from __future__ import annotations

from typing import Any

from sordino.rbac.models import Team, TeamMember
from tests.api.findings_data import APP, SQLI, XSS, history, record, scan
from tests.conftest import Api


def follow(api: Api, path: str, params: dict[str, Any]) -> tuple[list[int], int]:
    """Every finding id met by following next_page, and the number of pages."""
    response = api.get(path, params=params)
    seen: list[int] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        seen += [int(f["id"]) for f in body["response"]["findings"]]
        if "next_page" not in body:
            assert body["response"]["has_more"] is False
            return seen, pages
        assert body["response"]["has_more"] is True
        assert body["next_page"].startswith("http://testserver/api/v4/")
        response = api.client.get(
            body["next_page"], headers={"Authorization": f"Bearer {api.token}"}
        )


def test_next_page_returns_every_finding_once(api: Api) -> None:
    many = [
        record("py.rule", f"issue {n}", line=n, cvss_score=n % 7) for n in range(23)
    ]
    scan(api, many)
    path = f"/orgs/{{org}}/apps/{APP}/findings"
    for params in ({"per_page": 5}, {"per_page": 4, "sort": "cvss_score"}):
        seen, pages = follow(api, path, params)
        assert len(seen) == 23
        assert len(set(seen)) == 23
        assert pages == -(-23 // params["per_page"])  # type: ignore[operator]
    past = api.ok("GET", path, params={"per_page": 5, "page": 6})
    assert "findings" not in past
    assert past["scan"]["total"] == 23


def test_org_findings_latest_scans_search_and_paging(api: Api) -> None:
    ids = history(api).ids
    scan(api, [SQLI, record("js.xss", "DOM XSS in widget", category="XSS")], app="web")
    body = api.ok("GET", "/orgs/{org}/findings", params={"per_page": 2})
    assert body["total_count"] == 5
    assert "scan" not in body
    seen, _ = follow(api, "/orgs/{org}/findings", {"per_page": 2})
    assert len(set(seen)) == len(seen) == 5
    apps = {f["app"] for f in api.ok("GET", "/orgs/{org}/findings")["findings"]}
    assert apps == {APP, "web"}
    found = api.ok("GET", "/orgs/{org}/findings", params={"search": "WIDGET"})
    assert [f["title"] for f in found["findings"]] == ["DOM XSS in widget"]
    flask = api.ok("GET", "/orgs/{org}/findings", params={"search": ["flask", "widg"]})
    assert len(flask["findings"]) == 2
    assert ids["xss"] in [int(f["id"]) for f in flask["findings"]]
    counted = api.ok("GET", "/orgs/{org}/findings", params={"only_counts": "true"})
    assert set(counted) == {"counts", "total_count"}


def test_team_defined_sees_only_its_teams_apps(api: Api) -> None:
    scan(api, [XSS], app="mine")
    scan(api, [SQLI], app="theirs")
    with api.db.session() as session:
        team = Team(org_id=api.org_id, name="blue")
        session.add(team)
        session.flush()
        team_id = team.id
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "mine", "team_id": team_id}])
    limited = api.as_role("TEAM_DEFINED")
    _add_member(api, limited.user_id, team_id)
    titles = [f["title"] for f in limited.ok("GET", "/orgs/{org}/findings")["findings"]]
    assert titles == [XSS.title]


def _add_member(api: Api, user_id: str, team_id: str) -> None:
    with api.db.session() as session:
        session.add(TeamMember(team_id=team_id, user_id=user_id, role_id="MEMBER"))


def test_org_summary_and_versions(api: Api) -> None:
    history(api)
    scan(api, [SQLI], app="web", branch="main")
    summary = api.ok("GET", "/orgs/{org}/findings/summary")
    assert [a["app"] for a in summary["apps"]] == [APP, "web"]
    assert summary["findings_summaries"][0]["total"] == 4
    secrets = api.ok("GET", "/orgs/{org}/findings/summary", params={"type": "secret"})
    assert secrets["findings_summaries"] == []
    versions = api.ok("GET", f"/orgs/{{org}}/apps/{APP}/versions")
    assert [v["version"] for v in versions] == ["v3", "v2", "v1"]
    assert [v["total"] for v in versions] == [3, 3, 4]
    one = api.ok(
        "GET", f"/orgs/{{org}}/apps/{APP}/versions/v1", params={"type": "secret"}
    )
    assert one["total"] == 1
    assert one["scan"]["version"] == "v1"
    assert api.get(f"/orgs/{{org}}/apps/{APP}/versions/v9").status_code == 404
