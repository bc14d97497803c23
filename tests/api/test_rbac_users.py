"""Users and invitations: listing, org roles, removal, the last Super Admin."""

from __future__ import annotations

from sordino.rbac import builtin
from sordino.rbac.models import Invitation
from tests.conftest import Api

USERS = "/orgs/{org}/rbac/users"


def test_list_items_have_exactly_the_documented_keys(api: Api) -> None:
    api.as_role("GUEST", email="Peter@Example.com")
    users = api.ok("GET", USERS)
    assert len(users) == 2
    for user in users:
        assert set(user) == {"name", "email", "id_v2", "team_membership"}
        for entry in user["team_membership"]:
            assert set(entry) == {
                "team_name",
                "team_id",
                "role",
                "role_name",
                "role_aliases",
            }
    peter = next(u for u in users if u["email"] == "Peter@Example.com")
    assert peter["team_membership"] == [
        {
            "team_name": "",
            "team_id": "",
            "role": builtin.GUEST.id,
            "role_name": "Guest",
            "role_aliases": ["GUEST", "TEAM_GUEST"],
        }
    ]


def test_email_filter_is_case_insensitive(api: Api) -> None:
    guest = api.as_role("GUEST", email="Peter@Example.com")
    found = api.ok("GET", USERS, params={"email": "peter@EXAMPLE.com"})
    assert [u["id_v2"] for u in found] == [guest.user_id]
    assert api.ok("GET", USERS, params={"email": "nobody@example.com"}) == []


def test_search_and_team_filters(api: Api) -> None:
    bob = api.as_role("MEMBER", email="bob@corp.test")
    api.as_role("MEMBER", email="alice@corp.test")
    assert [u["email"] for u in api.ok("GET", USERS, params={"search": "BOB"})] == [
        "bob@corp.test"
    ]
    team = api.ok(
        "POST",
        "/orgs/{org}/rbac/teams",
        json={"name": "Core", "team_membership": [{"email": "bob@corp.test"}]},
    )
    in_team = api.ok("GET", USERS, params={"team": team["team_id"]})
    assert [u["id_v2"] for u in in_team] == [bob.user_id]
    core = in_team[0]["team_membership"][1]
    assert (core["team_name"], core["role"]) == ("Core", builtin.MEMBER.id)
    both = api.get(USERS, params={"search": "bob", "email": "bob@corp.test"})
    assert both.status_code == 400


def test_explicit_page_is_paged_with_next_page(api: Api) -> None:
    for _ in range(2):
        api.as_role("MEMBER")
    body = api.get(USERS, params={"page": 1}).json()
    assert len(body["response"]) == 3
    assert "next_page" not in body
    assert api.get(USERS, params={"page": 2}).json()["response"] == []


def test_change_org_role_by_alias_and_by_id(api: Api) -> None:
    member = api.as_role("MEMBER")
    path = f"{USERS}/{member.user_id}"
    assert api.put(path, json={"org_role": "TEAM_DEFINED"}).json() == {"ok": True}
    listed = {u["id_v2"]: u for u in api.ok("GET", USERS)}
    assert listed[member.user_id]["team_membership"][0]["role"] == (
        builtin.TEAM_DEFINED.id
    )
    api.ok("PUT", path, json={"org_role": builtin.POWER_USER.id})
    listed = {u["id_v2"]: u for u in api.ok("GET", USERS)}
    assert listed[member.user_id]["team_membership"][0]["role_name"] == "Power User"
    assert api.put(path, json={"org_role": "TEAM_MANAGER"}).status_code == 400


def test_demotion_lowers_the_users_tokens(api: Api) -> None:
    admin = api.as_role("SUPER_ADMIN")
    assert admin.get("/orgs/{org}/rbac/scopes").status_code == 200
    api.ok("PUT", f"{USERS}/{admin.user_id}", json={"org_role": "MEMBER"})
    assert admin.get("/orgs/{org}/rbac/scopes").status_code == 403


def test_last_super_admin_can_be_neither_demoted_nor_removed(api: Api) -> None:
    path = f"{USERS}/{api.user_id}"
    demoted = api.put(path, json={"org_role": "MEMBER"})
    assert demoted.status_code == 409
    assert "last Super Admin" in demoted.json()["message"]
    assert api.delete(path).status_code == 409
    second = api.as_role("SUPER_ADMIN")
    assert api.put(path, json={"org_role": "MEMBER"}).status_code == 200
    assert second.delete(f"{USERS}/{second.user_id}").status_code == 409


def test_power_user_cannot_promote_itself(api: Api) -> None:
    power = api.as_role("POWER_USER")
    refused = power.put(f"{USERS}/{power.user_id}", json={"org_role": "SUPER_ADMIN"})
    assert refused.status_code == 403


def test_delete_user_removes_it_and_its_tokens(api: Api) -> None:
    member = api.as_role("MEMBER")
    assert api.delete(f"{USERS}/{member.user_id}").json() == {"ok": True}
    assert member.get("/orgs/{org}/apps").status_code == 401
    assert api.delete(f"{USERS}/{member.user_id}").status_code == 404


def test_users_of_another_org_are_not_found(api: Api, other_api: Api) -> None:
    stranger = other_api.as_role("MEMBER")
    assert api.delete(f"{USERS}/{stranger.user_id}").status_code == 404
    ids = [u["id_v2"] for u in api.ok("GET", USERS)]
    assert ids == [api.user_id]


def test_invitations_list(api: Api) -> None:
    with api.db.session() as session:
        for email in ("zed@example.com", "amy@example.com"):
            session.add(
                Invitation(org_id=api.org_id, email=email, org_role_id=builtin.GUEST.id)
            )
    found = api.ok("GET", "/orgs/{org}/rbac/invitations")
    assert [i["email"] for i in found] == ["amy@example.com", "zed@example.com"]
    assert set(found[0]) == {"name", "email", "role", "invited_utc_timestamp"}
    assert found[0]["role"] == builtin.GUEST.id
    assert found[0]["invited_utc_timestamp"] > 1_600_000_000 * 10**9
    searched = api.ok("GET", "/orgs/{org}/rbac/invitations", params={"search": "ZED"})
    assert [i["email"] for i in searched] == ["zed@example.com"]
