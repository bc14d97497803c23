"""The first steps a new user takes against a fresh server."""

from __future__ import annotations

from tests.conftest import Api


def test_empty_app_list_then_create_and_read(api: Api) -> None:
    response = api.get("/orgs/{org}/apps")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "response": []}
    created = api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "billing-api"}])
    assert created["id"] == "billing-api"
    assert [a["id"] for a in api.ok("GET", "/orgs/{org}/apps")] == ["billing-api"]
    assert api.ok("GET", "/orgs/{org}/apps/billing-api")["name"] == "billing-api"


def test_revoked_token_is_refused(api: Api) -> None:
    issued = api.ok(
        "POST", "/orgs/{org}/tokens", json={"label": "ci", "role_id": "MEMBER"}
    )
    ci = Api(api.client, api.db, api.org_id, issued["value"], api.user_id)
    assert ci.get("/orgs/{org}/apps").status_code == 200
    api.ok("DELETE", f"/orgs/{{org}}/tokens/{issued['id']}")
    refused = ci.get("/orgs/{org}/apps")
    assert refused.status_code == 401
    assert refused.json() == {
        "ok": False,
        "code": "UNAUTHORIZED",
        "message": "the token has been revoked",
        "validation_errors": [],
    }
