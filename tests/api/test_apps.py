"""Apps, app labels, app configuration, branches and app groups over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sordino.apps import service as apps
from sordino.scans.models import Scan
from tests.api.shapes import error
from tests.conftest import Api


def make_apps(api: Api, *ids: str) -> None:
    """Create apps with these ids."""
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": i} for i in ids])


# --- create, list, read, delete -----------------------------------------------


def test_create_one_app_returns_the_app(api: Api) -> None:
    created = api.ok(
        "PUT",
        "/orgs/{org}/apps",
        json=[{"id": "billing-api", "name": "Billing API", "base_branch": "main"}],
    )
    assert created["id"] == "billing-api"
    assert created["name"] == "Billing API"
    assert created["tags"] == []
    assert created["labels"] == []
    assert created["default_branch"] == "main"
    assert created["created_at"].endswith("Z")


def test_create_many_returns_a_list_and_the_list_is_sorted(api: Api) -> None:
    created = api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "zeta"}, {"id": "alpha"}])
    assert [a["id"] for a in created] == ["zeta", "alpha"]
    assert [a["name"] for a in created] == ["zeta", "alpha"]
    listed = api.ok("GET", "/orgs/{org}/apps")
    assert [a["id"] for a in listed] == ["alpha", "zeta"]


def test_put_on_an_existing_app_updates_it(api: Api) -> None:
    make_apps(api, "shop")
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "shop", "name": "Shop"}])
    assert api.ok("GET", "/orgs/{org}/apps/shop")["name"] == "Shop"
    assert len(api.ok("GET", "/orgs/{org}/apps")) == 1


@pytest.mark.parametrize("app_id", ["a", "7", "A1", "svc_a:b.c-d", "x" * 255])
def test_app_ids_matching_the_pattern_are_accepted(api: Api, app_id: str) -> None:
    assert api.ok("PUT", "/orgs/{org}/apps", json=[{"id": app_id}])["id"] == app_id
    assert api.ok("GET", f"/orgs/{{org}}/apps/{app_id}")["id"] == app_id


@pytest.mark.parametrize(
    "app_id",
    ["", "-lead", "trail-", "_x", "x.", "has space", "a/b", "naïve", "a\nb", "x" * 256],
)
def test_app_ids_off_the_pattern_are_refused(api: Api, app_id: str) -> None:
    body = error(
        api.put("/orgs/{org}/apps", json=[{"id": app_id}]), 400, "VALIDATION_FAILED"
    )
    assert any(v.startswith("0.id") for v in body["validation_errors"])
    assert api.ok("GET", "/orgs/{org}/apps") == []


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "not-a-list"},
        [{"id": 12}],
        [{"name": "no id"}],
        [{"id": "ok", "name": ["x"]}],
        "apps",
        None,
    ],
)
def test_create_with_wrong_types_is_refused(api: Api, payload: Any) -> None:
    error(api.put("/orgs/{org}/apps", json=payload), 400, "VALIDATION_FAILED")


def test_create_with_an_empty_list_is_refused(api: Api) -> None:
    error(api.put("/orgs/{org}/apps", json=[]), 400, "VALIDATION_FAILED")


def test_create_with_a_repeated_id_is_refused_and_nothing_is_kept(api: Api) -> None:
    response = api.put("/orgs/{org}/apps", json=[{"id": "dup"}, {"id": "dup"}])
    assert "more than once" in error(response, 400, "VALIDATION_FAILED")["message"]
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_create_with_an_unknown_team_is_refused(api: Api) -> None:
    response = api.put("/orgs/{org}/apps", json=[{"id": "a", "team_id": "nope"}])
    assert "no team" in error(response, 400, "VALIDATION_FAILED")["message"]


def test_unknown_app_is_404(api: Api) -> None:
    body = error(api.get("/orgs/{org}/apps/missing"), 404, "NOT_FOUND")
    assert "missing" in body["message"]
    error(api.delete("/orgs/{org}/apps/missing"), 404, "NOT_FOUND")


def test_delete_app_removes_it_and_its_scans(api: Api) -> None:
    make_apps(api, "gone", "kept")
    with api.db.session() as session:
        app = apps.get_by_app_id(session, api.org_id, "gone")
        assert app is not None
        session.add(Scan(org_id=api.org_id, app_pk=app.pk, branch="main"))
        pk = app.pk
    response = api.delete("/orgs/{org}/apps/gone")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    error(api.get("/orgs/{org}/apps/gone"), 404, "NOT_FOUND")
    assert [a["id"] for a in api.ok("GET", "/orgs/{org}/apps")] == ["kept"]
    with api.db.session() as session:
        assert session.query(Scan).filter(Scan.app_pk == pk).count() == 0


def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    make_apps(api, "one")
    plain = api.get("/orgs/{org}/apps").json()
    extra = api.get("/orgs/{org}/apps?unknown=1&per_page=zzz&x=").json()
    assert extra == plain
    assert api.ok("GET", "/orgs/{org}/apps/one?foo=bar")["id"] == "one"


# --- labels (#6) --------------------------------------------------------------


def test_labels_add_remove_and_clear(api: Api) -> None:
    make_apps(api, "web")
    path = "/orgs/{org}/apps/web/labels"
    assert api.ok("POST", path, json={"add": ["pci", "tier1"]}) == ["pci", "tier1"]
    assert api.ok("POST", path, json={"add": ["pci", "eu"]}) == ["pci", "tier1", "eu"]
    read = api.ok("GET", "/orgs/{org}/apps/web")
    assert read["labels"] == ["pci", "tier1", "eu"]
    assert {"key": "label", "value": "tier1"} in read["tags"]
    assert api.ok("POST", path, json={"remove": ["tier1", "absent"]}) == ["pci", "eu"]
    assert api.ok("POST", path, json={"clear": True, "add": ["new"]}) == ["new"]
    assert api.ok("POST", path, json={"clear": True}) == []


@pytest.mark.parametrize(
    "payload", [{"add": "pci"}, {"clear": "maybe"}, {"remove": [1, 2]}, ["pci"]]
)
def test_labels_with_wrong_types_are_refused(api: Api, payload: Any) -> None:
    make_apps(api, "web")
    response = api.post("/orgs/{org}/apps/web/labels", json=payload)
    error(response, 400, "VALIDATION_FAILED")


def test_labels_of_an_unknown_app_are_404(api: Api) -> None:
    response = api.post("/orgs/{org}/apps/nope/labels", json={"add": ["x"]})
    error(response, 404, "NOT_FOUND")


# --- configuration (#11-#15) --------------------------------------------------


def test_app_configuration_starts_empty(api: Api) -> None:
    make_apps(api, "cfg")
    assert api.ok("GET", "/orgs/{org}/apps/cfg/configuration") == {
        "default_branch": "",
        "analysis_configuration": {},
    }


def test_put_configuration_replaces_and_patch_merges(api: Api) -> None:
    make_apps(api, "cfg")
    path = "/orgs/{org}/apps/cfg/configuration"
    first = {
        "default_branch": "main",
        "analysis_configuration": {"secrets": {"entropy": 3, "disable": False}},
    }
    assert api.ok("PUT", path, json=first) == first
    patched = api.ok(
        "PATCH", path, json={"analysis_configuration": {"secrets": {"disable": True}}}
    )
    assert patched == {
        "default_branch": "main",
        "analysis_configuration": {"secrets": {"entropy": 3, "disable": True}},
    }
    replaced = api.ok(
        "PUT", path, json={"analysis_configuration": {"cpg2sp": {"max-steps": 9}}}
    )
    assert replaced == {
        "default_branch": "",
        "analysis_configuration": {"cpg2sp": {"max-steps": 9}},
    }
    assert api.ok("GET", path) == replaced


@pytest.mark.parametrize(
    "payload",
    [
        {"unknown": 1},
        {"default_branch": 5},
        {"analysis_configuration": ["x"]},
        [],
    ],
)
def test_configuration_with_bad_fields_is_refused(api: Api, payload: Any) -> None:
    make_apps(api, "cfg")
    for method in ("PUT", "PATCH"):
        response = api.request(
            method, "/orgs/{org}/apps/cfg/configuration", json=payload
        )
        error(response, 400, "VALIDATION_FAILED")


def test_default_branch_patch(api: Api) -> None:
    make_apps(api, "br")
    path = "/orgs/{org}/apps/br/configuration/default_branch"
    assert api.ok("PATCH", path, json={"default_branch": "develop"}) == {
        "default_branch": "develop"
    }
    assert api.ok("GET", "/orgs/{org}/apps/br")["default_branch"] == "develop"
    for bad in ({}, {"default_branch": ""}, {"default_branch": None}):
        error(api.patch(path, json=bad), 400, "VALIDATION_FAILED")


def test_merged_configuration_puts_the_app_over_the_org(api: Api) -> None:
    make_apps(api, "m")
    api.ok(
        "PATCH",
        "/orgs/{org}/configuration",
        json={
            "analysis_configuration": {
                "secrets": {"entropy": 2, "disable": False},
                "limits": {"files": 10},
            }
        },
    )
    api.ok(
        "PATCH",
        "/orgs/{org}/apps/m/configuration",
        json={
            "default_branch": "trunk",
            "analysis_configuration": {"secrets": {"entropy": 5}},
        },
    )
    assert api.ok("GET", "/orgs/{org}/apps/m/configuration/merged") == {
        "default_branch": "trunk",
        "analysis_configuration": {
            "secrets": {"entropy": 5, "disable": False},
            "limits": {"files": 10},
        },
    }


# --- branches (#10) -----------------------------------------------------------


def _scan(api: Api, app_id: str, branch: str, started: dt.datetime) -> None:
    with api.db.session() as session:
        app = apps.get_by_app_id(session, api.org_id, app_id)
        assert app is not None
        session.add(
            Scan(org_id=api.org_id, app_pk=app.pk, branch=branch, started_at=started)
        )


def test_branches_within_the_window(api: Api) -> None:
    make_apps(api, "a1", "a2", "idle")
    now = dt.datetime.now(dt.UTC)
    _scan(api, "a1", "main", now - dt.timedelta(days=1))
    _scan(api, "a1", "feature", now - dt.timedelta(hours=1))
    _scan(api, "a1", "ancient", now - dt.timedelta(days=30))
    _scan(api, "a2", "dev", now - dt.timedelta(days=2))
    listed = api.ok("GET", "/orgs/{org}/apps/branches")
    assert [(a["id"], a["branches"]) for a in listed] == [
        ("a1", ["feature", "main"]),
        ("a2", ["dev"]),
    ]
    old = int((now - dt.timedelta(days=40)).timestamp())
    mid = int((now - dt.timedelta(days=20)).timestamp())
    windowed = api.ok("GET", f"/orgs/{{org}}/apps/branches?from={old}&until={mid}")
    assert [(a["id"], a["branches"]) for a in windowed] == [("a1", ["ancient"])]
    only = api.ok("GET", "/orgs/{org}/apps/branches?app=idle")
    assert only == [
        {"id": "idle", "name": "idle", "default_branch": "", "branches": []}
    ]


def test_branches_with_a_bad_timestamp_is_refused(api: Api) -> None:
    error(api.get("/orgs/{org}/apps/branches?from=yesterday"), 400, "VALIDATION_FAILED")
    error(api.get("/orgs/{org}/apps/branches?until=-5"), 400, "VALIDATION_FAILED")


# --- app groups (#4, #5, list, delete) ----------------------------------------


def test_app_group_lifecycle(api: Api) -> None:
    make_apps(api, "g1", "g2", "g3")
    created = api.ok(
        "PUT", "/orgs/{org}/app_groups/team-a", json={"add_app_ids": ["g2", "g1"]}
    )
    assert created == [{"name": "team-a", "app_ids": ["g1", "g2"]}]
    assert api.ok("GET", "/orgs/{org}/app_groups/team-a") == created
    changed = api.ok(
        "PUT",
        "/orgs/{org}/app_groups/team-a",
        json={"rename": "team-b", "add_app_ids": ["g3"], "remove_app_ids": ["g1"]},
    )
    assert changed == [{"name": "team-b", "app_ids": ["g2", "g3"]}]
    error(api.get("/orgs/{org}/app_groups/team-a"), 404, "NOT_FOUND")
    api.ok("PUT", "/orgs/{org}/app_groups/empty", json={})
    assert api.ok("GET", "/orgs/{org}/app_groups") == [
        {"name": "empty", "app_ids": []},
        {"name": "team-b", "app_ids": ["g2", "g3"]},
    ]
    response = api.delete("/orgs/{org}/app_groups/team-b")
    assert response.json() == {"ok": True}
    assert [g["name"] for g in api.ok("GET", "/orgs/{org}/app_groups")] == ["empty"]
    assert len(api.ok("GET", "/orgs/{org}/apps")) == 3


def test_deleting_an_app_removes_it_from_its_groups(api: Api) -> None:
    make_apps(api, "x1", "x2")
    api.ok("PUT", "/orgs/{org}/app_groups/g", json={"add_app_ids": ["x1", "x2"]})
    api.ok("DELETE", "/orgs/{org}/apps/x1")
    assert api.ok("GET", "/orgs/{org}/app_groups/g") == [
        {"name": "g", "app_ids": ["x2"]}
    ]


def test_app_group_with_unknown_apps_is_refused(api: Api) -> None:
    make_apps(api, "real")
    response = api.put(
        "/orgs/{org}/app_groups/g", json={"add_app_ids": ["real", "ghost"]}
    )
    assert "ghost" in error(response, 400, "VALIDATION_FAILED")["message"]
    error(api.get("/orgs/{org}/app_groups/g"), 404, "NOT_FOUND")


def test_app_group_rename_onto_another_group_is_refused(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/app_groups/one", json={})
    api.ok("PUT", "/orgs/{org}/app_groups/two", json={})
    response = api.put("/orgs/{org}/app_groups/one", json={"rename": "two"})
    error(response, 400, "VALIDATION_FAILED")


@pytest.mark.parametrize(
    "payload", [{"add_app_ids": "g1"}, {"rename": ""}, {"remove_app_ids": [None]}]
)
def test_app_group_with_wrong_types_is_refused(api: Api, payload: Any) -> None:
    response = api.put("/orgs/{org}/app_groups/g", json=payload)
    error(response, 400, "VALIDATION_FAILED")


def test_unknown_app_group_is_404(api: Api) -> None:
    error(api.get("/orgs/{org}/app_groups/none"), 404, "NOT_FOUND")
    error(api.delete("/orgs/{org}/app_groups/none"), 404, "NOT_FOUND")


# --- scopes and other orgs ----------------------------------------------------


def test_guest_reads_but_cannot_write(api: Api) -> None:
    make_apps(api, "ro")
    api.ok("PUT", "/orgs/{org}/app_groups/grp", json={"add_app_ids": ["ro"]})
    guest = api.as_role("GUEST")
    assert [a["id"] for a in guest.ok("GET", "/orgs/{org}/apps")] == ["ro"]
    assert guest.ok("GET", "/orgs/{org}/apps/ro")["id"] == "ro"
    assert guest.ok("GET", "/orgs/{org}/app_groups/grp")[0]["app_ids"] == ["ro"]
    writes = [
        ("PUT", "/orgs/{org}/apps", [{"id": "new"}]),
        ("DELETE", "/orgs/{org}/apps/ro", None),
        ("POST", "/orgs/{org}/apps/ro/labels", {"add": ["x"]}),
        ("PUT", "/orgs/{org}/apps/ro/configuration", {}),
        ("PATCH", "/orgs/{org}/apps/ro/configuration", {}),
        (
            "PATCH",
            "/orgs/{org}/apps/ro/configuration/default_branch",
            {"default_branch": "x"},
        ),
        ("PUT", "/orgs/{org}/app_groups/grp", {"rename": "other"}),
        ("DELETE", "/orgs/{org}/app_groups/grp", None),
    ]
    for method, path, payload in writes:
        response = guest.request(method, path, json=payload)
        body = error(response, 403, "FORBIDDEN")
        assert "scope" in body["message"], (method, path)
    error(guest.get("/orgs/{org}/apps/ro/configuration"), 403, "FORBIDDEN")
    assert api.ok("GET", "/orgs/{org}/apps/ro")["labels"] == []
    assert [a["id"] for a in api.ok("GET", "/orgs/{org}/apps")] == ["ro"]


def test_member_can_set_labels_but_not_create_apps(api: Api) -> None:
    make_apps(api, "m")
    member = api.as_role("MEMBER")
    error(member.put("/orgs/{org}/apps", json=[{"id": "n"}]), 403, "FORBIDDEN")
    error(member.delete("/orgs/{org}/apps/m"), 403, "FORBIDDEN")
    assert member.ok("GET", "/orgs/{org}/apps/m/my_scopes")


def test_another_orgs_token_gets_404(api: Api, other_api: Api) -> None:
    make_apps(api, "secret-app")
    api.ok("PUT", "/orgs/{org}/app_groups/g", json={"add_app_ids": ["secret-app"]})
    intruder = Api(api.client, api.db, api.org_id, other_api.token, other_api.user_id)
    for method, path in [
        ("GET", "/orgs/{org}/apps"),
        ("PUT", "/orgs/{org}/apps"),
        ("GET", "/orgs/{org}/apps/secret-app"),
        ("DELETE", "/orgs/{org}/apps/secret-app"),
        ("GET", "/orgs/{org}/apps/secret-app/configuration"),
        ("POST", "/orgs/{org}/apps/secret-app/labels"),
        ("GET", "/orgs/{org}/apps/branches"),
        ("GET", "/orgs/{org}/app_groups"),
        ("GET", "/orgs/{org}/app_groups/g"),
        ("DELETE", "/orgs/{org}/app_groups/g"),
    ]:
        error(intruder.request(method, path), 404, "NOT_FOUND")
    assert [a["id"] for a in api.ok("GET", "/orgs/{org}/apps")] == ["secret-app"]
    # In its own org, the other org's app id names nothing.
    error(other_api.get("/orgs/{org}/apps/secret-app"), 404, "NOT_FOUND")
    assert other_api.ok("GET", "/orgs/{org}/app_groups") == []
