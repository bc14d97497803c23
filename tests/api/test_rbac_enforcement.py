"""Team Defined callers see only their teams' apps; team roles add scopes."""

from __future__ import annotations

from sordino.rbac import builtin
from tests.conftest import Api


def _setup(api: Api) -> tuple[Api, str]:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "ours"}, {"id": "theirs"}])
    scoped = api.as_role("TEAM_DEFINED")
    team = api.ok(
        "POST",
        "/orgs/{org}/rbac/teams",
        json={
            "name": "Ours",
            "applications": ["ours"],
            "team_membership": [
                {"user_id_v2": scoped.user_id, "team_role": "TEAM_GUEST"}
            ],
        },
    )
    api.ok(
        "POST",
        "/orgs/{org}/rbac/teams",
        json={"name": "Theirs", "applications": ["theirs"]},
    )
    return scoped, team["team_id"]


def test_team_defined_lists_only_its_teams_apps(api: Api) -> None:
    scoped, _ = _setup(api)
    assert [a["id"] for a in scoped.ok("GET", "/orgs/{org}/apps")] == ["ours"]
    assert scoped.ok("GET", "/orgs/{org}/apps/ours")["id"] == "ours"
    hidden = scoped.get("/orgs/{org}/apps/theirs")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "NOT_FOUND"
    assert [a["id"] for a in api.ok("GET", "/orgs/{org}/apps")] == ["ours", "theirs"]


def test_team_defined_without_team_sees_no_app(api: Api) -> None:
    _setup(api)
    loner = api.as_role("TEAM_DEFINED")
    assert loner.ok("GET", "/orgs/{org}/apps") == []
    assert loner.get("/orgs/{org}/apps/ours").status_code == 404


def test_app_scopes_are_org_role_plus_team_role(api: Api) -> None:
    scoped, _ = _setup(api)
    scopes = set(scoped.ok("GET", "/orgs/{org}/apps/ours/my_scopes"))
    assert scopes == builtin.TEAM_DEFINED.scopes | builtin.GUEST.scopes
    # Guest on the team does not give the org-wide project:delete of Power User.
    assert scoped.delete("/orgs/{org}/apps/ours").status_code == 403


def test_moving_an_app_out_of_the_team_hides_it(api: Api) -> None:
    scoped, team_id = _setup(api)
    api.ok(
        "PUT",
        f"/orgs/{{org}}/rbac/teams/{team_id}/apps",
        json={"version": 1, "remove_applications": ["ours"]},
    )
    assert scoped.ok("GET", "/orgs/{org}/apps") == []
