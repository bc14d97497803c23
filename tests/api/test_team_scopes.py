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
