"""A TEAM_DEFINED caller acts on its team's apps with its team role's scopes.

The team role (TEAM_MEMBER) grants ``uploads:write`` and ``scans:read`` but not
``project:delete``; the org role (TEAM_DEFINED) grants neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from sordino.apps.models import App
from sordino.rbac.models import Team, TeamMember
from tests.api import compound_data as data
from tests.conftest import SHARED_DATA, Api

ESLINT = SHARED_DATA / "sarif" / "eslint" / "eslint-results.sarif"
GO = "shop_element_GO"
SHOP = "/orgs/{org}/compounds/named/shop"
JSON = {"content-type": "application/json"}


@dataclass
class Member:
    """A TEAM_DEFINED caller whose team owns app ``mine`` and shop's GO member."""

    api: Api
    owner: Api


def _own(api: Api, team_id: str, app_id: str) -> None:
    with api.db.session() as session:
        app = session.scalar(
            select(App).where(App.org_id == api.org_id, App.app_id == app_id)
        )
        assert app is not None
        app.team_id = team_id


def _upload(api: Api, app_id: str) -> Any:
    return api.post(
        f"/orgs/{{org}}/apps/{app_id}/scans/sarif",
        content=ESLINT.read_bytes(),
        headers=JSON,
    )


@pytest.fixture
def member(api: Api) -> Member:
    data.store(api.db, api.org_id, name="shop")
    for app_id in ("mine", "theirs"):
        _upload(api, app_id)
    caller = api.as_role("TEAM_DEFINED")
    with api.db.session() as session:
        team = Team(org_id=api.org_id, name="team")
        session.add(team)
        session.flush()
        session.add(
            TeamMember(team_id=team.id, user_id=caller.user_id, role_id="TEAM_MEMBER")
        )
        team_id = team.id
    for app_id in ("mine", GO):
        _own(api, team_id, app_id)
    return Member(caller, api)


def test_team_role_uploads_to_its_team_app(member: Member) -> None:
    assert "uploads:write" in member.api.ok("GET", "/orgs/{org}/apps/mine/my_scopes")
    response = _upload(member.api, "mine")
    assert response.status_code == 200, response.text
    for kind in ("", "/cyclonedx", "/source"):
        path = f"/orgs/{{org}}/apps/mine/scans{kind}"
        assert member.api.post(path, content=b"x").status_code != 403, path


def test_upload_elsewhere_needs_the_scope_org_wide(member: Member) -> None:
    # Another team's app and a new app answer alike: no hint of which exists.
    for app_id in ("theirs", "brand-new"):
        response = _upload(member.api, app_id)
        assert response.status_code == 403, app_id
        assert "uploads:write" in response.json()["message"]
    assert _upload(member.owner, "brand-new").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        SHOP + "/scans",
        SHOP + "/branches",
        SHOP + "/scans/streamlined",
        SHOP + "/sca/packages",
        "/orgs/{org}/compounds/byname/shop/shallow",
    ],
)
def test_team_role_reads_the_compound_of_its_member(member: Member, path: str) -> None:
    assert member.api.get(f"/orgs/{{org}}/apps/{GO}/scans").status_code == 200
    response = member.api.get(path)
    assert response.status_code == 200, response.text


def test_compound_scans_are_those_of_members_in_scope(member: Member) -> None:
    scans = member.api.ok("GET", SHOP + "/scans")["scans"]
    assert {scan["app"] for scan in scans} == {GO}
    scan = member.api.ok("GET", SHOP + f"/scans/{scans[0]['id']}")
    assert scan["app"] == GO
    shop_id = member.owner.ok("GET", "/orgs/{org}/compounds")["compounds"][0]["id"]
    full = member.api.ok("GET", f"/orgs/{{org}}/compounds/full/{shop_id}")
    assert [app["id"] for app in full["apps"].values()] == [GO]


def test_compound_delete_needs_the_scope_on_every_member(member: Member) -> None:
    shop_id = member.owner.ok("GET", "/orgs/{org}/compounds")["compounds"][0]["id"]
    response = member.api.request("DELETE", f"/orgs/{{org}}/compounds/{shop_id}")
    assert response.status_code == 403


def test_can_delete_follows_the_delete_scope(member: Member, api: Api) -> None:
    def flags(caller: Api) -> set[bool]:
        (shop,) = caller.ok("GET", "/orgs/{org}/compounds")["compounds"]
        return {app["can_delete"] for app in shop["apps"].values()}

    assert flags(member.api) == {False}  # TEAM_MEMBER lacks project:delete
    assert flags(api.as_role("MEMBER", email="m@example.test")) == {False}
    assert flags(api) == {True}
