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


def test_duplicate_non_ascii_team_name_conflicts(api: Api) -> None:
    # Found by the fuzz test: SQLite's lower() leaves "Å" alone, so the
    # duplicate check missed it and the unique constraint answered a 500.
    api.ok("POST", TEAMS, json={"name": "Åteam"})
    assert api.post(TEAMS, json={"name": "Åteam"}).status_code == 409


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


# --- who may change a team's apps and members -----------------------------------


def _beta_managed_by(api: Api, role: str) -> tuple[Api, dict[str, Any], dict[str, Any]]:
    """Apps in team Alpha, in team Beta and in none; a ``role`` user manages Beta."""
    _apps(api, "alpha-app", "beta-app", "loose")
    alpha = _team(api, "Alpha", applications=["alpha-app"])
    manager = api.as_role(role)
    beta = _team(
        api,
        "Beta",
        applications=["beta-app"],
        team_membership=[{"user_id_v2": manager.user_id, "team_role": "TEAM_MANAGER"}],
    )
    return manager, alpha, beta


def test_a_team_manager_cannot_take_an_app_she_cannot_see(api: Api) -> None:
    tina, alpha, beta = _beta_managed_by(api, "TEAM_DEFINED")
    path = f"{TEAMS}/{beta['team_id']}/apps"
    for app in ("alpha-app", "loose"):
        body = {"version": 1, "add_applications": [app], "force_app_inclusion": True}
        refused = tina.put(path, json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["message"] == f"no apps with ids: {app}"
    assert api.ok("GET", f"{TEAMS}/{alpha['team_id']}")["applications"] == ["alpha-app"]
    assert api.ok("GET", f"{TEAMS}/{beta['team_id']}")["version"] == 1
    assert api.ok("GET", "/orgs/{org}/apps/loose")["team_id"] == ""


def test_force_moving_an_app_needs_authority_over_the_team_it_leaves(
    api: Api,
) -> None:
    manager, alpha, beta = _beta_managed_by(api, "MEMBER")
    path = f"{TEAMS}/{beta['team_id']}/apps"
    body = {
        "version": 1,
        "add_applications": ["alpha-app"],
        "force_app_inclusion": True,
    }
    refused = manager.put(path, json=body)
    assert refused.status_code == 403, refused.text
    assert api.ok("GET", "/orgs/{org}/apps/alpha-app")["team_id"] == alpha["team_id"]
    # An app in no team is visible to a Member, so she may add it.
    loose = {"version": 1, "add_applications": ["loose"]}
    assert manager.ok("PUT", path, json=loose)["applications"] == ["beta-app", "loose"]
    # Managing both teams, she may move the app from one to the other.
    api.ok(
        "PUT",
        f"{TEAMS}/{alpha['team_id']}/membership",
        json={
            "version": 1,
            "add_team_membership": [
                {"user_id_v2": manager.user_id, "team_role": "TEAM_MANAGER"}
            ],
        },
    )
    moved = manager.ok("PUT", path, json={**body, "version": 2})
    assert moved["applications"] == ["alpha-app", "beta-app", "loose"]


def test_a_team_manager_grants_only_team_roles_she_holds(api: Api) -> None:
    tina, _, beta = _beta_managed_by(api, "TEAM_DEFINED")
    tid = beta["team_id"]
    custom = api.ok(
        "POST",
        "/orgs/{org}/rbac/roles",
        json={
            "name": "Team tokens",
            "scopes": ["project:read", "tokens:create"],
            "role_type": "team",
        },
    )
    for role in ("TEAM_ADMIN", builtin.POWER_USER.id, custom["id"]):
        me = {"user_id_v2": tina.user_id, "team_role": role}
        refused = tina.put(
            f"{TEAMS}/{tid}/membership",
            json={"version": 1, "add_team_membership": [me]},
        )
        assert refused.status_code == 403, (role, refused.text)
    with api.db.session() as session:
        gid = create_group(session, api.org_id, "Devs", [tina.user_id]).id
    grouped = tina.put(
        f"{TEAMS}/{tid}/groups",
        json={"group_ids": [{"group_id": gid, "team_role": "TEAM_ADMIN"}]},
    )
    assert grouped.status_code == 403, grouped.text
    # What she holds herself she may give.
    other = api.as_role("TEAM_DEFINED")
    given = {"user_id_v2": other.user_id, "team_role": "TEAM_MANAGER"}
    added = tina.ok(
        "PUT",
        f"{TEAMS}/{tid}/membership",
        json={"version": 1, "add_team_membership": [given]},
    )
    assert added["version"] == 2
    # Nor may she take away a stronger role somebody else gave.
    admin = {"user_id_v2": api.user_id, "team_role": "TEAM_ADMIN"}
    api.ok(
        "PUT",
        f"{TEAMS}/{tid}/membership",
        json={"version": 2, "add_team_membership": [admin]},
    )
    removed = tina.put(
        f"{TEAMS}/{tid}/membership",
        json={"version": 3, "remove_team_membership": [{"user_id_v2": api.user_id}]},
    )
    assert removed.status_code == 403, removed.text


# --- versions follow the team's apps ---------------------------------------------


def test_a_forced_move_bumps_the_version_of_both_teams(api: Api) -> None:
    _apps(api, "shared")
    first = _team(api, "First", applications=["shared"])
    second = _team(api, "Second")
    body = {"version": 1, "add_applications": ["shared"], "force_app_inclusion": True}
    api.ok("PUT", f"{TEAMS}/{second['team_id']}/apps", json=body)
    left = api.ok("GET", f"{TEAMS}/{first['team_id']}")
    assert (left["applications"], left["version"]) == ([], 2)
    stale = {"version": 1, "remove_applications": ["shared"]}
    assert api.put(f"{TEAMS}/{first['team_id']}/apps", json=stale).status_code == 409


def test_the_apps_put_moves_no_app_out_of_its_team(api: Api) -> None:
    _apps(api, "pyapp")
    alpha = _team(api, "Alpha", applications=["pyapp"])
    beta = _team(api, "Beta")
    move = [{"id": "pyapp", "team_id": beta["team_id"]}]
    refused = api.put("/orgs/{org}/apps", json=move)
    assert refused.status_code == 409, refused.text
    assert "force_app_inclusion" in refused.json()["message"]
    kept = api.ok("GET", f"{TEAMS}/{alpha['team_id']}")
    assert (kept["applications"], kept["version"]) == (["pyapp"], 1)
    # Joining a team through the apps PUT is a change of the team: a new version.
    joined = [{"id": "newapp", "team_id": beta["team_id"]}]
    api.ok("PUT", "/orgs/{org}/apps", json=joined)
    after = api.ok("GET", f"{TEAMS}/{beta['team_id']}")
    assert (after["applications"], after["version"]) == (["newapp"], 2)
    api.ok("PUT", "/orgs/{org}/apps", json=[{**joined[0], "name": "New app"}])
    assert api.ok("GET", f"{TEAMS}/{beta['team_id']}")["version"] == 2
    api.ok("DELETE", "/orgs/{org}/apps/newapp")
    assert api.ok("GET", f"{TEAMS}/{beta['team_id']}")["version"] == 3


def test_the_apps_put_assigns_teams_only_with_team_apps_scope(api: Api) -> None:
    role = api.ok(
        "POST",
        "/orgs/{org}/rbac/roles",
        json={"name": "App maker", "scopes": ["apps:create", "apps:list"]},
    )
    maker = api.as_role(role["id"])
    team = _team(api, "Alpha")
    refused = maker.put(
        "/orgs/{org}/apps", json=[{"id": "sneaky", "team_id": team["team_id"]}]
    )
    assert refused.status_code == 403, refused.text
    assert maker.ok("PUT", "/orgs/{org}/apps", json=[{"id": "plain"}])["id"] == "plain"


# --- malformed team changes --------------------------------------------------------


def test_the_same_user_twice_is_refused(api: Api) -> None:
    member = api.as_role("MEMBER", email="m@example.com")
    twice = [{"user_id_v2": member.user_id}, {"email": "M@example.com"}]
    created = api.post(TEAMS, json={"name": "T", "team_membership": twice})
    assert created.status_code == 400, created.text
    assert api.ok("GET", TEAMS) == []
    team = _team(api)
    changed = api.put(
        f"{TEAMS}/{team['team_id']}/membership",
        json={"version": 1, "add_team_membership": twice},
    )
    assert changed.status_code == 400, changed.text


def test_adding_and_removing_one_app_at_once_is_refused(api: Api) -> None:
    _apps(api, "x1")
    team = _team(api)
    both = {"version": 1, "add_applications": ["x1"], "remove_applications": ["x1"]}
    for path in (f"{TEAMS}/{team['team_id']}", f"{TEAMS}/{team['team_id']}/apps"):
        assert api.put(path, json=both).status_code == 400


def test_a_version_must_be_a_number(api: Api) -> None:
    team = _team(api)
    tid = team["team_id"]
    for method, path, body in (
        ("PUT", f"{TEAMS}/{tid}/membership", {"version": True}),
        ("PUT", f"{TEAMS}/{tid}/metadata", {"version": True, "change_name": "X"}),
        ("PUT", f"{TEAMS}/{tid}", {"version": "1"}),
        ("DELETE", f"{TEAMS}/{tid}", {"version": True}),
    ):
        response = api.request(method, path, json=body)
        assert response.status_code == 400, (path, response.text)
    assert api.ok("GET", f"{TEAMS}/{tid}")["version"] == 1


def test_an_org_role_is_not_a_team_role(api: Api) -> None:
    team = _team(api)
    spec = {"user_id_v2": api.user_id, "team_role": "SUPER_ADMIN"}
    refused = api.put(
        f"{TEAMS}/{team['team_id']}/membership",
        json={"version": 1, "add_team_membership": [spec]},
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == "'SUPER_ADMIN' is not a team role"


def test_a_refused_change_keeps_the_version(api: Api) -> None:
    team = _team(api)
    path = f"{TEAMS}/{team['team_id']}/apps"
    assert (
        api.put(path, json={"version": 1, "add_applications": ["nope"]}).status_code
        == 400
    )
    assert api.ok("GET", f"{TEAMS}/{team['team_id']}")["version"] == 1
