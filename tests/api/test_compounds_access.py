"""Compounds as a TEAM_DEFINED caller sees them: only the member apps of its teams.

The caller's team owns the sample compound's GO member only. Every compound
route must then answer as if the compound had that one member: member lists,
findings (v1 and v2), SARIF, polyglot scans, member scans, branches, packages
and check analysis.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.checks import compound as compound_checks
from sordino.checks.schemas import CheckConfig
from sordino.compounds import findings as cf
from sordino.compounds import query as cq
from sordino.compounds import service
from sordino.compounds.models import Compound
from sordino.rbac import builtin
from sordino.rbac.access import Principal, load_principal
from sordino.rbac.models import Team, TeamMember, User
from tests.api import compound_data as data
from tests.conftest import Api

GO = "shop_element_GO"
EVERYONE = "/orgs/{org}/compounds/named/shop"
ANY_SEVERITY = {
    "version": 2,
    "meta": {"kind": "single"},
    "rules": [{"id": "any", "tags": {"severity": ["low"]}, "threshold": 0}],
}


@dataclass
class Viewer:
    """A TEAM_DEFINED caller whose team owns the GO member of compound shop."""

    api: Api
    owner: Api


@pytest.fixture
def viewer(api: Api) -> Viewer:
    data.store(api.db, api.org_id, name="shop")
    data.store(api.db, api.org_id, name="shop", version="v2", branch="dev")
    data.store(api.db, api.org_id, name="blog")
    role = api.as_role("TEAM_DEFINED")
    with api.db.session() as session:
        team = Team(org_id=api.org_id, name="go-team")
        session.add(team)
        session.flush()
        session.add(
            TeamMember(team_id=team.id, user_id=role.user_id, role_id="TEAM_ADMIN")
        )
        go = session.scalar(
            select(App).where(App.org_id == api.org_id, App.app_id == GO)
        )
        assert go is not None
        go.team_id = team.id
    return Viewer(role, api)


@pytest.fixture
def principal(viewer: Viewer) -> Iterator[tuple[Session, Principal]]:
    """The viewer's principal, for the routes its org role cannot reach."""
    with viewer.api.db.session() as session:
        user = session.get(User, viewer.api.user_id)
        assert user is not None
        yield (
            session,
            load_principal(
                session, user=user, token_id="", role_id=builtin.TEAM_DEFINED.id
            ),
        )


def test_compound_list_shows_only_visible_members(viewer: Viewer) -> None:
    (shop,) = viewer.api.ok("GET", "/orgs/{org}/compounds")["compounds"]
    assert shop["name"] == "shop"
    assert [member["id"] for member in shop["apps"].values()] == [GO]
    everything = viewer.owner.ok("GET", "/orgs/{org}/compounds")["compounds"]
    assert {len(c["apps"]) for c in everything} == {5}


def test_v2_findings_are_those_of_visible_members(viewer: Viewer) -> None:
    path = "/orgs/{org}/compounds/byname/shop/findings"
    body = viewer.api.ok("GET", path + "?per_page=250")
    assert [f["app"] for f in body["findings"]] == [GO]
    assert [s["app"] for s in body["polyglot_scan"]["scans"]] == [GO]
    assert body["total_count"] == 1
    counted = {c["key"]: c["value_counts"] for c in body["counts"]}
    assert counted["language"] == {"go": 1}
    # An invisible member's platform selects nothing, not its findings.
    python = viewer.api.ok("GET", path + "?scan_platform=pythonsrc")
    assert python["findings"] == []
    assert python["polyglot_scan"]["scans"] == []


def test_v1_findings_are_those_of_visible_members(viewer: Viewer) -> None:
    body = viewer.api.ok("GET", EVERYONE + "/findings?status=any")
    assert [f["app"] for f in body["findings"]] == [GO]
    assert body["scan"]["languages"] == ["go"]
    assert body["scan"]["successful"] is True


def test_sarif_holds_only_visible_member_runs(viewer: Viewer) -> None:
    log = viewer.api.get(EVERYONE + "/reports/sarif").json()
    ids = [run["automationDetails"]["id"] for run in log["runs"]]
    assert len(ids) == 1
    assert ids[0].startswith(f"sordino/{GO}")
    assert len(viewer.owner.get(EVERYONE + "/reports/sarif").json()["runs"]) == 5


def test_compound_without_visible_member_is_not_found(viewer: Viewer) -> None:
    blog = "/orgs/{org}/compounds/named/blog"
    for path in (
        blog + "/findings",
        blog + "/reports/sarif",
        "/orgs/{org}/compounds/byname/blog/findings",
    ):
        assert viewer.api.get(path).status_code == 404, path
    check = viewer.api.post("/orgs/{org}/apps/blog/scans/check", json=ANY_SEVERITY)
    assert check.status_code == 404


def test_check_reads_and_stores_only_visible_member_scans(viewer: Viewer) -> None:
    result = viewer.api.ok(
        "POST", "/orgs/{org}/apps/shop/scans/check", json=ANY_SEVERITY
    )
    (target,) = result["target"]["scans"]
    report = viewer.owner.ok("GET", f"/orgs/{{org}}/apps/{GO}/scans/{target}/report")
    assert report == [result]
    findings = result["rules"]["any"]["findings"]
    assert [f["title"] for f in findings] == ["SQL Injection in go handler"]


def _shop(session: Session, principal: Principal) -> service.CompoundView:
    return service.get_by_name(session, principal, "shop")


def test_scans_streamlined_and_branches_of_visible_members(
    principal: tuple[Session, Principal],
) -> None:
    session, caller = principal
    view = _shop(session, caller)
    assert [app.app_id for app in view.members] == [GO]
    assert view.complete is False
    scans = service.scans(session, view, limit=50)
    assert {s["app"] for s in scans} == {GO}
    assert len(scans) == 2
    assert service.branches(session, view) == ["dev", "main"]
    latest, _ = service.streamlined(session, view)["scans"]
    assert latest["platforms"] == ["GO"]
    assert latest["languages"] == ["go"]
    assert latest["vulns"] == {"critical": 0, "high": 0, "medium": 0, "low": 1}
    assert latest["oss_vulns"]["high"] == 0
    assert (latest["secrets"], latest["oss_risks"]) == (0, 0)
    # checkov (Terraform) and the advisory lookup (packages) are not GO's.
    assert latest["failures"] == []


def test_packages_and_member_scans_of_visible_members(
    principal: tuple[Session, Principal],
) -> None:
    session, caller = principal
    view = _shop(session, caller)
    polyglot = cf.select_polyglot(session, view, cq.parse([]))
    assert [app.app_id for _, app in cf.member_scans(session, view, polyglot)] == [GO]
    shallow = service.shallow(session, view)
    assert shallow["apps"] == [GO]


def test_changes_to_every_member_need_every_member(
    principal: tuple[Session, Principal],
) -> None:
    session, caller = principal
    view = _shop(session, caller)
    with pytest.raises(service.PartialView):
        service.delete(session, view)
    with pytest.raises(service.PartialView):
        service.require_whole(view)
    compound = session.scalar(select(Compound).where(Compound.id == view.id))
    assert compound is not None
    assert service.whole(session, compound).complete is True


def test_cli_check_sees_the_whole_compound(viewer: Viewer) -> None:
    with viewer.owner.db.session() as session:
        found = compound_checks.find(session, viewer.owner.org_id, "shop")
        assert found is not None
        config = CheckConfig.model_validate(ANY_SEVERITY)
        result = compound_checks.run(session, found, config)
        assert len(result["target"]["scans"]) == 5
