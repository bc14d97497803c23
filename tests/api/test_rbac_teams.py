"""Teams: versions, apps in at most one team, members, groups, configuration."""

from __future__ import annotations

from typing import Any

from sordino.rbac import builtin
from sordino.rbac.groups import create_group
from tests.conftest import Api

TEAMS = "/orgs/{org}/rbac/teams"


def _apps(api: Api, *ids: str) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": i} for i in ids])


def _team(api: Api, name: str = "ATeam", **body: Any) -> dict[str, Any]:
    created = api.ok("POST", TEAMS, json={"name": name, **body})
    team: dict[str, Any] = api.ok("GET", f"{TEAMS}/{created['team_id']}")
    return team


def test_create_with_apps_and_members_by_email_and_id(api: Api) -> None:
    _apps(api, "app01")
    guest = api.as_role("GUEST", email="g@example.com")
    team = _team(
        api,
        applications=["app01"],
        members=[
            {"email": "G@example.com", "team_role": "TEAM_MANAGER"},
            {"user_id_v2": api.user_id, "team_role": builtin.GUEST.id},
        ],
    )
    assert team["version"] == 1
    assert team["applications"] == ["app01"]
    roles = {m["user_id_v2"]: m["team_role"] for m in team["users"]}
    assert roles == {
        guest.user_id: builtin.TEAM_MANAGER.id,
        api.user_id: builtin.GUEST.id,
    }
    assert api.ok("GET", "/orgs/{org}/apps/app01")["team_id"] == team["team_id"]


def test_list_items_are_exactly_id_name_version_unless_members(api: Api) -> None:
    _apps(api, "a1")
    _team(api, "Beta", applications=["a1"])
    _team(api, "alpha")
    items = api.ok("GET", TEAMS)
    assert [set(i) for i in items] == [{"team_id", "team_name", "team_version"}] * 2
    assert [i["team_name"] for i in items] == ["alpha", "Beta"]
    with_members = api.ok("GET", TEAMS, params={"no_members": "false"})
    beta = next(i for i in with_members if i["team_name"] == "Beta")
    assert (beta["projects"], beta["members"]) == (["a1"], [])
    assert [i["team_name"] for i in api.ok("GET", TEAMS, params={"name": "BETA"})] == [
        "Beta"
    ]
    by_legacy = api.ok("GET", TEAMS, params={"teamName": "alpha"})
    assert [i["team_name"] for i in by_legacy] == ["alpha"]


def test_duplicate_team_name_conflicts(api: Api) -> None:
    _team(api)
    assert api.post(TEAMS, json={"name": "ateam"}).status_code == 409


def test_every_change_needs_the_current_version(api: Api) -> None:
    team = _team(api)
    path = f"{TEAMS}/{team['team_id']}/metadata"
    renamed = api.ok("PUT", path, json={"version": 1, "change_name": "B"})
    assert (renamed["team_name"], renamed["version"]) == ("B", 2)
    stale = api.put(path, json={"version": 1, "change_name": "C"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "CONFLICT"
    assert api.put(path, json={"change_name": "C"}).status_code == 400


def test_an_app_belongs_to_one_team_unless_forced(api: Api) -> None:
    _apps(api, "shared")
    first = _team(api, "First", applications=["shared"])
    second = _team(api, "Second")
    path = f"{TEAMS}/{second['team_id']}/apps"
    refused = api.put(path, json={"version": 1, "add_applications": ["shared"]})
    assert refused.status_code == 409
    assert "force_app_inclusion" in refused.json()["message"]
    moved = api.ok(
        "PUT",
        path,
        json={
            "version": 1,
            "add_applications": ["shared"],
            "force_app_inclusion": True,
        },
    )
    assert moved["applications"] == ["shared"]
    assert api.ok("GET", f"{TEAMS}/{first['team_id']}")["applications"] == []
    missing = api.put(path, json={"version": 2, "add_applications": ["nope"]})
    assert missing.status_code == 400


def test_membership_changes_and_full_update(api: Api) -> None:
    member = api.as_role("MEMBER")
    _apps(api, "x1", "x2")
    team = _team(api, applications=["x1"])
    tid = team["team_id"]
    added = api.ok(
        "PUT",
        f"{TEAMS}/{tid}/membership",
        json={"version": 1, "add_team_membership": [{"user_id_v2": member.user_id}]},
    )
    assert added["users"] == [
        {"user_id_v2": member.user_id, "team_role": builtin.MEMBER.id}
    ]
    changed = api.ok(
        "PUT",
        f"{TEAMS}/{tid}",
        json={
            "version": 2,
            "add_applications": ["x2"],
            "remove_applications": ["x1"],
            "remove_team_membership": [{"user_id_v2": member.user_id}],
        },
    )
    assert (changed["applications"], changed["users"], changed["version"]) == (
        ["x2"],
        [],
        3,
    )
    unknown_role = api.put(
        f"{TEAMS}/{tid}/membership",
        json={
            "version": 3,
            "add_team_membership": [{"user_id_v2": member.user_id, "team_role": "X"}],
        },
    )
    assert unknown_role.status_code == 400


def test_delete_carries_version_in_body(api: Api) -> None:
    _apps(api, "kept")
    team = _team(api, applications=["kept"])
    path = f"{TEAMS}/{team['team_id']}"
    assert api.request("DELETE", path, json={"version": 7}).status_code == 409
    assert api.delete(path).status_code == 400
    assert api.request("DELETE", path, json={"version": 1}).json() == {"ok": True}
    assert api.get(path).status_code == 404
    assert api.ok("GET", "/orgs/{org}/apps/kept")["team_id"] == ""


def test_team_manager_manages_only_its_own_team(api: Api) -> None:
    manager = api.as_role("MEMBER")
    mine = _team(
        api,
        "Mine",
        members=[{"user_id_v2": manager.user_id, "team_role": "TEAM_MANAGER"}],
    )
    theirs = _team(api, "Theirs")
    body = {"version": 1, "change_name": "Ours"}
    assert (
        manager.put(f"{TEAMS}/{mine['team_id']}/metadata", json=body).status_code == 200
    )
    denied = manager.put(f"{TEAMS}/{theirs['team_id']}/metadata", json=body)
    assert denied.status_code == 403
    scopes = manager.ok("GET", f"{TEAMS}/{mine['team_id']}/my_scopes")
    assert set(scopes) == builtin.MEMBER.scopes | builtin.TEAM_MANAGER.scopes
    assert "teams:update" not in manager.ok(
        "GET", f"{TEAMS}/{theirs['team_id']}/my_scopes"
    )


def test_groups_in_teams(api: Api) -> None:
    member = api.as_role("MEMBER", email="m@example.com")
    with api.db.session() as session:
        gid = create_group(session, api.org_id, "Devs", [member.user_id]).id
    create_group_other = api.ok("GET", "/orgs/{org}/rbac/groups")["groups"]
    assert [g["group_name"] for g in create_group_other] == ["Devs"]
    team = _team(api)
    tid = team["team_id"]
    api.ok(
        "PUT",
        f"{TEAMS}/{tid}/groups",
        json={"group_ids": [{"group_id": gid, "team_role": "TEAM_MANAGER"}]},
    )
    group = api.ok("GET", f"{TEAMS}/{tid}/groups/{gid}")
    assert group["members"][0]["email"] == "m@example.com"
    assert group["teams"] == [
        {"team_id": tid, "team_name": "ATeam", "role": "TEAM_MANAGER"}
    ]
    # The group's team role reaches its members.
    scopes = member.ok("GET", f"{TEAMS}/{tid}/my_scopes")
    assert "teams:update" in scopes
    api.ok("POST", f"{TEAMS}/{tid}/groups/{gid}", json={"team_role": "TEAM_GUEST"})
    assert api.ok("GET", f"/orgs/{{org}}/rbac/groups/{gid}")["teams"][0]["role"] == (
        "TEAM_GUEST"
    )
    assert [g["group_id"] for g in api.ok("GET", f"{TEAMS}/{tid}/groups")] == [gid]
    api.ok("DELETE", f"{TEAMS}/{tid}/groups/{gid}")
    assert api.get(f"{TEAMS}/{tid}/groups/{gid}").status_code == 404
    filtered = api.ok("GET", "/orgs/{org}/rbac/groups", params={"iname": "devs"})
    assert [g["group_id"] for g in filtered["groups"]] == [gid]
    assert api.ok("GET", "/orgs/{org}/rbac/groups", params={"name": "devs"}) == {
        "groups": []
    }


def test_team_configuration_put_patch_merged(api: Api) -> None:
    team = _team(api)
    path = f"{TEAMS}/{team['team_id']}/configuration"
    put = api.ok(
        "PUT", path, json={"analysis_configuration": {"secrets": {"entropy": 0.5}}}
    )
    assert put == {"analysis_configuration": {"secrets": {"entropy": 0.5}}}
    patched = api.ok(
        "PATCH", path, json={"analysis_configuration": {"secrets": {"disable": True}}}
    )
    assert patched["analysis_configuration"]["secrets"] == {
        "entropy": 0.5,
        "disable": True,
    }
    api.ok(
        "PATCH",
        "/orgs/{org}/configuration",
        json={"analysis_configuration": {"secrets": {"entropy": 0.9}, "x": {"y": 1}}},
    )
    merged = api.ok("GET", f"{path}/merged")["analysis_configuration"]
    assert merged["secrets"] == {"entropy": 0.5, "disable": True}
    assert merged["x"] == {"y": 1}
    assert api.put(path, json={"unknown": 1}).status_code == 400
