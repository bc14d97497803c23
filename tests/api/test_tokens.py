"""Tokens (#121-#123 and revoke), my_scopes (#111, #112), /user (#124) and the
checks every request's bearer token goes through."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from sordino.rbac import builtin
from sordino.rbac.access import role_scopes
from sordino.rbac.models import Invitation, Team, TeamMember, User
from sordino.tokens import service
from sordino.tokens.models import AccessToken
from tests.api.shapes import error
from tests.conftest import TEST_KEY, Api

TOKENS = "/orgs/{org}/tokens"
TOKEN_KEYS = {
    "id",
    "label",
    "description",
    "role_id",
    "token_type",
    "created_at",
    "expires_at",
}


def claims_of(value: str) -> dict[str, Any]:
    """The JWT's claims read the way clients do: without checking the signature."""
    claims: dict[str, Any] = jwt.decode(value, options={"verify_signature": False})
    return claims


def issue(api: Api, **body: Any) -> dict[str, Any]:
    """Create a token through the API and return the response."""
    created: dict[str, Any] = api.ok("POST", TOKENS, json={"label": "t", **body})
    return created


def using(api: Api, token: str) -> Api:
    """The same org spoken to with another token."""
    return Api(api.client, api.db, api.org_id, token, api.user_id)


# --- roles (#121) -------------------------------------------------------------


def test_roles_lists_the_managed_org_roles(api: Api) -> None:
    roles = api.ok("GET", "/orgs/{org}/roles")
    assert [r["id"] for r in roles] == [
        builtin.SUPER_ADMIN.id,
        builtin.POWER_USER.id,
        builtin.MEMBER.id,
        builtin.GUEST.id,
        builtin.COLLABORATOR.id,
        builtin.TEAM_DEFINED.id,
    ]
    assert [r["label"] for r in roles] == [
        "Super Admin",
        "Power User",
        "Member",
        "Guest",
        "Collaborator",
        "Team Defined",
    ]
    assert {r["role_type"] for r in roles} == {"managed"}
    assert api.as_role("GUEST").ok("GET", "/orgs/{org}/roles") == roles


# --- create (#123) and its JWT ------------------------------------------------


def test_created_token_carries_the_claims_clients_read(api: Api) -> None:
    before = int(time.time())
    created = issue(api, label="ci", description="for CI", role_id="MEMBER")
    assert set(created) == TOKEN_KEYS | {"value"}
    assert created["label"] == "ci"
    assert created["description"] == "for CI"
    assert created["role_id"] == builtin.MEMBER.id
    assert created["token_type"] == "access"
    assert created["expires_at"] is None
    claims = claims_of(created["value"])
    assert claims["orgID"] == api.org_id
    assert claims["userID"] == api.user_id
    assert claims["iss"] == "sordino"
    assert claims["jti"] == created["id"]
    assert before - 1 <= claims["iat"] <= int(time.time()) + 1
    assert claims["scopes"] == sorted(builtin.MEMBER.scopes)
    assert "exp" not in claims
    me = using(api, created["value"])
    assert me.ok("GET", "/orgs/{org}/my_scopes") == sorted(builtin.MEMBER.scopes)


def test_role_by_id_equals_role_by_alias(api: Api) -> None:
    by_id = issue(api, role_id=builtin.GUEST.id)
    by_alias = issue(api, role_id="guest")
    assert by_id["role_id"] == by_alias["role_id"] == builtin.GUEST.id
    assert claims_of(by_id["value"])["scopes"] == claims_of(by_alias["value"])["scopes"]


def test_only_a_hash_of_the_token_is_stored(api: Api) -> None:
    created = issue(api, role_id="MEMBER")
    with api.db.session() as session:
        record = session.get(AccessToken, created["id"])
        assert record is not None
        stored = [str(getattr(record, c.key)) for c in AccessToken.__table__.columns]
    assert all(created["value"] not in value for value in stored)
    assert len(record.secret_hash) == 64


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role_id": "MEMBER"}, "label"),
        ({"label": "", "role_id": "MEMBER"}, "label"),
        ({"label": "x"}, "role_id"),
        ({"label": "x", "role_id": "MEMBER", "token_type": "root"}, "token_type"),
        ({"label": "x", "role_id": "MEMBER", "valid_for_seconds": 0}, "valid_for"),
        ({"label": "x", "role_id": "MEMBER", "valid_for_seconds": "1h"}, "valid_for"),
        ({"label": "x", "role_id": "MEMBER", "valid_for_seconds": True}, "valid_for"),
        ({"label": ["x"], "role_id": "MEMBER"}, "label"),
        # A misspelt lifetime must not issue a token that never expires.
        ({"label": "x", "role_id": "MEMBER", "valid_for": 60}, "valid_for"),
    ],
)
def test_bad_token_requests_are_refused(
    api: Api, payload: dict[str, Any], field: str
) -> None:
    body = error(api.post(TOKENS, json=payload), 400, "VALIDATION_FAILED")
    assert any(field in problem for problem in body["validation_errors"]), body


def test_unknown_role_is_refused(api: Api) -> None:
    body = error(
        api.post(TOKENS, json={"label": "x", "role_id": "EMPEROR"}),
        400,
        "VALIDATION_FAILED",
    )
    assert body["validation_errors"] == ["role_id: no role 'EMPEROR'"]


def test_a_token_cannot_grant_more_than_its_creator_holds(api: Api) -> None:
    power = api.as_role("POWER_USER")
    error(
        power.post(TOKENS, json={"label": "x", "role_id": "SUPER_ADMIN"}),
        400,
        "VALIDATION_FAILED",
    )
    member_token = issue(power, role_id="MEMBER")
    assert claims_of(member_token["value"])["userID"] == power.user_id


# --- list (#122) --------------------------------------------------------------


def test_list_shows_live_tokens_without_values(api: Api) -> None:
    first = api.ok("GET", TOKENS)
    assert [t["label"] for t in first] == ["created by sordino init"]
    made = issue(api, label="deploy", role_id="MEMBER")
    listed = api.ok("GET", TOKENS)
    assert [t["id"] for t in listed][-1] == made["id"]
    assert all(set(t) == TOKEN_KEYS for t in listed)
    api.ok("DELETE", f"{TOKENS}/{made['id']}")
    assert [t["id"] for t in api.ok("GET", TOKENS)] == [first[0]["id"]]


def test_list_filters_by_token_type(api: Api) -> None:
    integration = issue(api, role_id="MEMBER", token_type="integration")
    assert integration["token_type"] == "integration"
    assert claims_of(integration["value"])["tokenType"] == "integration"
    listed = api.ok("GET", f"{TOKENS}?token_type=integration")
    assert [t["id"] for t in listed] == [integration["id"]]
    assert len(api.ok("GET", f"{TOKENS}?token_type=access")) == 1


def test_expired_token_is_refused_and_listed_only_on_request(api: Api) -> None:
    short = issue(api, label="short", role_id="MEMBER", valid_for_seconds=1)
    claims = claims_of(short["value"])
    assert claims["exp"] == claims["iat"] + 1
    assert short["expires_at"].endswith("Z")
    time.sleep(2.1)
    body = error(
        using(api, short["value"]).get("/orgs/{org}/apps"), 401, "UNAUTHORIZED"
    )
    assert body["message"] == "the token has expired"
    live = [t["id"] for t in api.ok("GET", TOKENS)]
    assert short["id"] not in live
    assert short["id"] in [t["id"] for t in api.ok("GET", f"{TOKENS}?show_expired=1")]


def test_token_expired_in_the_database_is_refused(api: Api) -> None:
    made = issue(api, role_id="MEMBER", valid_for_seconds=3600)
    with api.db.session() as session:
        record = session.get(AccessToken, made["id"])
        assert record is not None
        record.expires_at = record.created_at
    body = error(using(api, made["value"]).get("/user"), 401, "UNAUTHORIZED")
    assert body["message"] == "the token has expired"


# --- revoke -------------------------------------------------------------------


def test_revoke_then_refused_and_revoke_again_is_404(api: Api) -> None:
    made = issue(api, role_id="MEMBER")
    path = f"{TOKENS}/{made['id']}"
    response = api.delete(path)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    body = error(using(api, made["value"]).get("/user"), 401, "UNAUTHORIZED")
    assert body["message"] == "the token has been revoked"
    error(api.delete(path), 404, "NOT_FOUND")
    error(api.delete(f"{TOKENS}/no-such-token"), 404, "NOT_FOUND")


def test_revoking_the_callers_own_token_takes_effect(api: Api) -> None:
    own = api.ok("GET", TOKENS)[0]["id"]
    api.ok("DELETE", f"{TOKENS}/{own}")
    error(api.get(TOKENS), 401, "UNAUTHORIZED")


def test_another_orgs_token_id_cannot_be_revoked(api: Api, other_api: Api) -> None:
    theirs = issue(other_api, role_id="MEMBER")
    error(api.delete(f"{TOKENS}/{theirs['id']}"), 404, "NOT_FOUND")
    assert using(other_api, theirs["value"]).ok("GET", "/user")["idv2"]


def test_token_routes_need_their_scopes(api: Api) -> None:
    guest = api.as_role("GUEST")
    error(guest.get(TOKENS), 403, "FORBIDDEN")
    error(guest.post(TOKENS, json={"label": "x", "role_id": "GUEST"}), 403, "FORBIDDEN")
    own = api.ok("GET", TOKENS)[0]["id"]
    power = api.as_role("POWER_USER")
    error(power.delete(f"{TOKENS}/{own}"), 403, "FORBIDDEN")
    assert api.ok("GET", TOKENS)[0]["id"] == own


def test_token_routes_of_another_org_are_404(api: Api, other_api: Api) -> None:
    intruder = using(api, other_api.token)
    error(intruder.get(TOKENS), 404, "NOT_FOUND")
    error(
        intruder.post(TOKENS, json={"label": "x", "role_id": "GUEST"}), 404, "NOT_FOUND"
    )
    error(intruder.get("/orgs/{org}/roles"), 404, "NOT_FOUND")
    error(intruder.get("/orgs/{org}/my_scopes"), 404, "NOT_FOUND")


# --- my_scopes (#111, #112) ---------------------------------------------------


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "POWER_USER", "MEMBER", "GUEST"])
def test_my_scopes_are_the_roles_scopes(api: Api, role: str) -> None:
    caller = api if role == "SUPER_ADMIN" else api.as_role(role)
    role_scopes = builtin.get(role)
    assert role_scopes is not None
    assert caller.ok("GET", "/orgs/{org}/my_scopes") == sorted(role_scopes.scopes)


def test_app_scopes_add_the_team_role(api: Api) -> None:
    guest = api.as_role("GUEST")
    with api.db.session() as session:
        team = Team(org_id=api.org_id, name="payments")
        session.add(team)
        session.flush()
        session.add(
            TeamMember(
                team_id=team.id, user_id=guest.user_id, role_id=builtin.POWER_USER.id
            )
        )
        team_id = team.id
    api.ok(
        "PUT",
        "/orgs/{org}/apps",
        json=[{"id": "team-app", "team_id": team_id}, {"id": "plain"}],
    )
    guest_scopes = sorted(builtin.GUEST.scopes)
    assert guest.ok("GET", "/orgs/{org}/apps/plain/my_scopes") == guest_scopes
    on_team_app = guest.ok("GET", "/orgs/{org}/apps/team-app/my_scopes")
    assert on_team_app == sorted(builtin.GUEST.scopes | builtin.POWER_USER.scopes)
    assert "project:update" in on_team_app
    labels = guest.ok("POST", "/orgs/{org}/apps/team-app/labels", json={"add": ["a"]})
    assert labels == ["a"]
    error(
        guest.post("/orgs/{org}/apps/plain/labels", json={"add": ["a"]}),
        403,
        "FORBIDDEN",
    )


def test_app_scopes_of_an_unknown_app_are_404(api: Api) -> None:
    error(api.get("/orgs/{org}/apps/ghost/my_scopes"), 404, "NOT_FOUND")


# --- /user (#124) -------------------------------------------------------------


def test_user_describes_the_caller(api: Api) -> None:
    me = api.ok("GET", "/user")
    assert me["idv2"] == api.user_id
    assert me["email"].startswith("admin-")
    assert me["email"].endswith("@example.com")
    assert me["membership"] == [
        {"organization": api.org_id, "organizationName": "test-org"}
    ]
    assert me["invites"] == []
    assert me["lastLoginUTCTimestampHistory"] == []


def test_user_lists_pending_invitations(api: Api) -> None:
    member = api.as_role("MEMBER", email="invited@example.com")
    with api.db.session() as session:
        invite = Invitation(
            org_id=api.org_id, email="invited@example.com", org_role_id="MEMBER"
        )
        session.add(invite)
        session.flush()
        invite_id = invite.id
    me = member.ok("GET", "/user")
    assert me["email"] == "invited@example.com"
    assert me["invites"] == [
        {
            "organization": api.org_id,
            "organizationName": "test-org",
            "inviteId": invite_id,
        }
    ]


# --- the bearer token itself --------------------------------------------------


def _sign(claims: dict[str, Any], key: str = TEST_KEY) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def _refused(api: Api, headers: dict[str, str]) -> str:
    response = api.client.get(api.url("/orgs/{org}/apps"), headers=headers)
    message: str = error(response, 401, "UNAUTHORIZED")["message"]
    return message


def test_missing_or_malformed_authorization_is_401(api: Api) -> None:
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer   "},
        {"Authorization": f"Basic {api.token}"},
        {"Authorization": api.token},
    ):
        assert "Authorization: Bearer" in _refused(api, headers), headers
    for value in ("not-a-jwt", "a.b.c", api.token[:-4], api.token + "x"):
        message = _refused(api, {"Authorization": f"Bearer {value}"})
        assert message == "the token is not valid"


def test_scheme_is_case_insensitive(api: Api) -> None:
    headers = {"Authorization": f"bearer {api.token}"}
    assert api.client.get(api.url("/orgs/{org}/apps"), headers=headers).json() == {
        "ok": True,
        "response": [],
    }


def test_token_signed_with_another_key_is_401(api: Api) -> None:
    claims = claims_of(api.token)
    forged = _sign(claims, key="another-key-entirely-0123456789abcdef")
    assert _refused(api, {"Authorization": f"Bearer {forged}"}) == (
        "the token is not valid"
    )


def test_unsigned_token_is_401(api: Api) -> None:
    unsigned = jwt.encode(claims_of(api.token), key=None, algorithm="none")
    assert _refused(api, {"Authorization": f"Bearer {unsigned}"}) == (
        "the token is not valid"
    )


def test_token_with_another_orgs_claims_is_401(api: Api, other_api: Api) -> None:
    # Signed with the right key, but its claims were changed after issue.
    claims = {**claims_of(api.token), "orgID": other_api.org_id}
    tampered = _sign(claims)
    assert _refused(api, {"Authorization": f"Bearer {tampered}"}) == (
        "the token is not known"
    )


def test_token_with_an_unknown_id_or_issuer_is_401(api: Api) -> None:
    unknown = _sign({**claims_of(api.token), "jti": "00000000-0000-0000-0000-0"})
    assert _refused(api, {"Authorization": f"Bearer {unknown}"}) == (
        "the token is not known"
    )
    foreign = _sign({**claims_of(api.token), "iss": "someone-else"})
    assert _refused(api, {"Authorization": f"Bearer {foreign}"}) == (
        "the token is not valid"
    )
    no_jti = {k: v for k, v in claims_of(api.token).items() if k != "jti"}
    assert _refused(api, {"Authorization": f"Bearer {_sign(no_jti)}"}) == (
        "the token is not valid"
    )


def test_crafted_expired_token_is_401(api: Api) -> None:
    claims = {**claims_of(api.token), "exp": int(time.time()) - 10}
    assert _refused(api, {"Authorization": f"Bearer {_sign(claims)}"}) == (
        "the token has expired"
    )


def test_user_without_a_token_is_401(api: Api) -> None:
    error(api.client.get("/api/v4/user"), 401, "UNAUTHORIZED")


# --- what a token may hold ----------------------------------------------------


def token_for(api: Api, user_id: str, role: str) -> Api:
    """A token with ``role`` for an existing user, stored the way older code did."""
    found = builtin.get(role)
    role_id = found.id if found else role
    with api.db.session() as session:
        issued = service.create(
            session,
            org_id=api.org_id,
            user_id=user_id,
            role_id=role_id,
            scopes=sorted(role_scopes(session, api.org_id, role_id)),
            key=TEST_KEY,
            issuer="sordino",
            label=f"stored {role}",
        )
    return Api(api.client, api.db, api.org_id, issued.value, user_id)


def test_tokens_delete_lets_no_token_exceed_its_creator(api: Api) -> None:
    role = api.ok(
        "POST",
        "/orgs/{org}/rbac/roles",
        json={"name": "Token keeper", "scopes": ["tokens:create", "tokens:delete"]},
    )
    keeper = api.as_role(role["id"])
    error(
        keeper.post(TOKENS, json={"label": "x", "role_id": "SUPER_ADMIN"}),
        400,
        "VALIDATION_FAILED",
    )
    promote = {"org_role": "SUPER_ADMIN"}
    users = f"/orgs/{{org}}/rbac/users/{keeper.user_id}"
    error(keeper.put(users, json=promote), 403, "FORBIDDEN")


def test_a_token_is_capped_by_its_users_current_org_role(api: Api) -> None:
    admin = api.as_role("SUPER_ADMIN")
    with api.db.session() as session:
        user = session.get(User, admin.user_id)
        assert user is not None
        user.org_role_id = builtin.MEMBER.id  # demoted; its token still says SA
    assert admin.ok("GET", "/orgs/{org}/my_scopes") == sorted(builtin.MEMBER.scopes)
    error(admin.get("/orgs/{org}/rbac/scopes"), 403, "FORBIDDEN")
    error(
        admin.post(TOKENS, json={"label": "x", "role_id": "POWER_USER"}),
        403,
        "FORBIDDEN",
    )


def test_team_defined_follows_the_users_org_role_not_the_tokens(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "ours"}, {"id": "theirs"}])
    tina = api.as_role("TEAM_DEFINED")
    api.ok(
        "POST",
        "/orgs/{org}/rbac/teams",
        json={
            "name": "Ours",
            "applications": ["ours"],
            "team_membership": [{"user_id_v2": tina.user_id, "team_role": "GUEST"}],
        },
    )
    as_member = token_for(api, tina.user_id, "MEMBER")
    assert [a["id"] for a in as_member.ok("GET", "/orgs/{org}/apps")] == ["ours"]
    error(as_member.get("/orgs/{org}/apps/theirs"), 404, "NOT_FOUND")
    assert as_member.ok("GET", "/orgs/{org}/my_scopes") == sorted(
        builtin.TEAM_DEFINED.scopes
    )


def test_only_org_roles_can_back_a_token(api: Api) -> None:
    for role in ("TEAM_MANAGER", builtin.TEAM_MANAGER.id):
        body = error(
            api.post(TOKENS, json={"label": "x", "role_id": role}),
            400,
            "VALIDATION_FAILED",
        )
        assert body["validation_errors"] == [f"role_id: {role!r} is a team role"]
    roles = "/orgs/{org}/rbac/roles"
    team_role = api.ok(
        "POST", roles, json={"name": "T", "scopes": ["apps:list"], "role_type": "team"}
    )
    error(
        api.post(TOKENS, json={"label": "x", "role_id": team_role["id"]}),
        400,
        "VALIDATION_FAILED",
    )
    org_role = api.ok("POST", roles, json={"name": "O", "scopes": ["apps:list"]})
    assert issue(api, role_id=org_role["id"])["role_id"] == org_role["id"]
    # Every listed role can back a token of a user who holds it.
    with api.db.session() as session:
        for listed in api.ok("GET", "/orgs/{org}/roles"):
            role = builtin.get(listed["id"])
            assert role is not None
            allowed = service.allowed_role(session, api.org_id, role.id, role.scopes)
            assert allowed == (role.id, role.scopes)
    collaborator = api.as_role("LEGACY_COLLABORATOR")
    own = issue(collaborator, role_id="LEGACY_COLLABORATOR")
    assert own["role_id"] == builtin.COLLABORATOR.id


def test_tokens_delete_cannot_revoke_a_stronger_users_token(api: Api) -> None:
    role = api.ok(
        "POST",
        "/orgs/{org}/rbac/roles",
        json={"name": "Revoker", "scopes": ["tokens:create", "tokens:delete"]},
    )
    keeper = api.as_role(role["id"])
    admins = api.ok("POST", TOKENS, json={"label": "admin", "role_id": "SUPER_ADMIN"})
    refused = keeper.delete(f"/orgs/{{org}}/tokens/{admins['id']}")
    error(refused, 403, "FORBIDDEN")
    assert api.ok("GET", TOKENS)  # the admin's tokens still work
    own = keeper.ok("POST", TOKENS, json={"label": "own", "role_id": role["id"]})
    assert keeper.delete(f"/orgs/{{org}}/tokens/{own['id']}").status_code == 200


def test_an_unknown_token_type_filter_is_400(api: Api) -> None:
    body = error(
        api.get(TOKENS, params={"token_type": "bogus"}), 400, "VALIDATION_FAILED"
    )
    assert any("token_type" in problem for problem in body["validation_errors"])
