"""Roles and scopes: built-in roles are read-only, custom roles are checked."""

from __future__ import annotations

from sordino.rbac import builtin
from sordino.rbac.models import CustomRole
from tests.api.shapes import error
from tests.conftest import Api

ROLES = "/orgs/{org}/rbac/roles"


def _create(api: Api, **body: object) -> dict[str, object]:
    payload = {"name": "Auditor", "scopes": ["apps:list", "findings:read"], **body}
    result: dict[str, object] = api.ok("POST", ROLES, json=payload)
    return result


def test_list_has_every_builtin_role_with_reference_ids(api: Api) -> None:
    roles = {role["id"]: role for role in api.ok("GET", ROLES)}
    member = roles["e7ca42af-8dd5-4928-8eb9-28d5e41b5564"]
    assert member["name"] == "Member"
    assert member["id_aliases"] == ["MEMBER", "TEAM_MEMBER"]
    assert member["role_type"] == "qwiet"
    assert "organization_id" not in member
    assert set(member["scopes"]) == builtin.MEMBER.scopes
    assert roles["6fc50b34-6705-11eb-b610-435a3f7b9ad3"]["id_aliases"] == [
        "SUPER_ADMIN"
    ]


def test_scopes_are_super_admins(api: Api) -> None:
    scopes = api.ok("GET", "/orgs/{org}/rbac/scopes")
    assert scopes == sorted(builtin.SUPER_ADMIN.scopes)
    assert "roles:create" in scopes


def test_create_custom_role_then_list_it(api: Api) -> None:
    role = _create(api, description="reads findings", role_type="team")
    assert role["organization_id"] == api.org_id
    assert role["scopes"] == ["apps:list", "findings:read"]
    listed = [r for r in api.ok("GET", ROLES) if r["id"] == role["id"]]
    assert listed == [role]


def test_custom_role_name_conflicts(api: Api) -> None:
    _create(api)
    again = api.post(ROLES, json={"name": "auditor", "scopes": ["apps:list"]})
    assert again.status_code == 409
    assert again.json()["code"] == "CONFLICT"
    builtin_name = api.post(ROLES, json={"name": "Super Admin", "scopes": ["org:read"]})
    assert builtin_name.status_code == 409


def test_unknown_or_malformed_scopes_are_refused(api: Api) -> None:
    unknown = api.post(ROLES, json={"name": "x", "scopes": ["rockets:launch"]})
    assert unknown.status_code == 400
    assert "rockets:launch" in unknown.json()["message"]
    malformed = api.post(ROLES, json={"name": "y", "scopes": ["no-colon"]})
    assert malformed.status_code == 400
    # Only the listed scopes: a pattern is accepted only where Super Admin has it.
    for pattern in ("findings:*", "project:*"):
        body = {"name": "z", "scopes": [pattern, "apps:list"]}
        refused = api.post(ROLES, json=body)
        assert refused.status_code == 400, refused.text
        assert pattern in refused.json()["message"]
    listed = api.ok("POST", ROLES, json={"name": "z", "scopes": ["auth_provider:*"]})
    assert listed["scopes"] == ["auth_provider:*"]


def test_qwiet_role_type_is_reserved(api: Api) -> None:
    response = api.post(
        ROLES, json={"name": "q", "scopes": ["org:read"], "role_type": "qwiet"}
    )
    assert response.status_code == 400
    assert "reserved" in " ".join(response.json()["validation_errors"])


def test_update_and_delete_custom_role(api: Api) -> None:
    role = _create(api)
    path = f"{ROLES}/{role['id']}"
    assert api.put(path, json={"name": "Reader", "scopes": ["org:read"]}).json() == {
        "ok": True
    }
    listed = {r["id"]: r for r in api.ok("GET", ROLES)}[role["id"]]
    assert (listed["name"], listed["scopes"]) == ("Reader", ["org:read"])
    assert api.delete(path).json() == {"ok": True}
    assert api.delete(path).status_code == 404


def test_builtin_roles_cannot_change(api: Api) -> None:
    path = f"{ROLES}/{builtin.MEMBER.id}"
    changed = api.put(path, json={"scopes": ["org:read"]})
    assert changed.status_code == 403
    assert "built-in" in changed.json()["message"]
    assert api.delete(f"{ROLES}/{builtin.GUEST.id}").status_code == 403


def test_role_in_use_cannot_be_deleted(api: Api) -> None:
    role = _create(api, name="Tokens only", scopes=["apps:list"])
    api.ok("POST", "/orgs/{org}/tokens", json={"label": "t", "role_id": role["id"]})
    refused = api.delete(f"{ROLES}/{role['id']}")
    assert refused.status_code == 409
    assert "tokens" in refused.json()["message"]


def test_custom_role_from_another_org_is_not_found(api: Api, other_api: Api) -> None:
    role = _create(other_api)
    assert api.delete(f"{ROLES}/{role['id']}").status_code == 404


def test_role_names_are_trimmed_and_builtin_names_reserved(api: Api) -> None:
    trimmed = _create(api, name="  Auditor ")
    assert trimmed["name"] == "Auditor"
    assert (
        api.post(ROLES, json={"name": "auditor", "scopes": ["org:read"]}).status_code
        == 409
    )
    for name in (
        "TEAM_DEFINED",
        " team defined ",
        "super_admin",
        "Team-Admin",
        "GUEST",
    ):
        taken = api.post(ROLES, json={"name": name, "scopes": ["org:read"]})
        assert taken.status_code == 409, name
    other = _create(api, name="Other")
    renamed = api.put(
        f"{ROLES}/{other['id']}", json={"name": " AUDITOR ", "scopes": ["org:read"]}
    )
    assert renamed.status_code == 409
    blank = api.post(ROLES, json={"name": "   ", "scopes": ["org:read"]})
    assert blank.status_code == 400


def test_a_stored_wildcard_role_is_expanded_everywhere(api: Api) -> None:
    """A role saved with ``project:*`` before scopes were checked strictly."""
    with api.db.session() as session:
        role = CustomRole(
            org_id=api.org_id, name="Legacy", scopes=["project:*", "apps:list"]
        )
        session.add(role)
        session.flush()
        role_id = role.id
    holder = api.as_role(role_id)
    assert "project:read" in holder.ok("GET", "/orgs/{org}/my_scopes")
    other = api.as_role("MEMBER")
    users = "/orgs/{org}/rbac/users"
    assert api.put(f"{users}/{other.user_id}", json={"org_role": role_id}).json() == {
        "ok": True
    }
    demoted = api.put(f"{users}/{holder.user_id}", json={"org_role": "MEMBER"})
    assert demoted.json() == {"ok": True}
    assert api.delete(f"{users}/{other.user_id}").json() == {"ok": True}


def test_super_admin_can_issue_a_token_of_every_org_role(api: Api) -> None:
    # Nobody may grant a scope they lack, so the top role must hold them all.
    for role in builtin.ORG_ROLES:
        response = api.post(
            "/orgs/{org}/tokens", json={"label": role.name, "role_id": role.id}
        )
        assert response.status_code == 200, (role.name, response.json())


def test_a_role_editor_cannot_widen_a_role_past_its_own_scopes(api: Api) -> None:
    editor_role = api.ok(
        "POST",
        ROLES,
        json={"name": "Role editor", "scopes": ["roles:update", "roles:create"]},
    )
    editor = api.as_role(editor_role["id"])
    widened = {"name": "Role editor", "scopes": ["roles:update", "org:delete"]}
    path = f"/orgs/{{org}}/rbac/roles/{editor_role['id']}"
    error(editor.put(path, json=widened), 403, "FORBIDDEN")
    error(
        editor.post(ROLES, json={"name": "Big", "scopes": ["org:delete"]}),
        403,
        "FORBIDDEN",
    )
    # A role within the editor's own scopes is fine; the stored role is unchanged.
    narrow = editor.post(ROLES, json={"name": "Small", "scopes": ["roles:update"]})
    assert narrow.status_code == 200, narrow.json()
    stored = next(r for r in api.ok("GET", ROLES) if r["id"] == editor_role["id"])
    assert sorted(stored["scopes"]) == ["roles:create", "roles:update"]
    assert editor.get("/orgs/{org}/apps").status_code == 403
