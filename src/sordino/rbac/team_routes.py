"""HTTP routes for teams: apps, members, groups, configuration and scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from sordino.api.deps import OrgScope, SessionDep
from sordino.api.envelope import ok
from sordino.rbac import groups, teams
from sordino.rbac.access import Principal
from sordino.rbac.deps import TeamContext, TeamScope
from sordino.rbac.routes import Page, page_of, translated
from sordino.rbac.schemas import (
    GroupRoleUpdate,
    TeamChange,
    TeamConfiguration,
    TeamCreate,
    TeamDelete,
    TeamGroupsUpdate,
    TeamMetadata,
)

router = APIRouter(tags=["rbac"])
config = APIRouter(tags=["team_config"])
scopes = APIRouter(tags=["scopes"])

Body = dict[str, Any]


Reader = Annotated[TeamContext, Depends(TeamScope("teams:read"))]
Lister = Annotated[TeamContext, Depends(TeamScope("teams:list"))]
Updater = Annotated[TeamContext, Depends(TeamScope("teams:update"))]


@router.post("/orgs/{orgID}/rbac/teams")
def create_team(
    body: TeamCreate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("teams:create"))],
) -> Body:
    """Create a team with its first apps and members."""
    with translated():
        team = teams.create(session, principal, body)
    return ok({"team_id": team.id, "team_version": team.version})


@router.get("/orgs/{orgID}/rbac/teams")
def list_teams(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("teams:list"))],
    name: str | None = None,
    teamName: str | None = None,  # noqa: N803 (the text reference's name)
    no_members: bool = True,
    page: Page = None,
) -> Body:
    """The teams the caller may read; members only with ``no_members=false``."""
    found = teams.list_teams(session, principal, name or teamName)
    if no_members:
        items = [teams.summary(team) for team in found]
    else:
        items = [teams.with_members(session, team) for team in found]
    return page_of(request, items, page)


@router.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}")
def get_team(ctx: Reader) -> Body:
    """One team with its apps, users and groups."""
    return ok(teams.read(ctx.session, ctx.team))


@router.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}")
def update_team(body: TeamChange, ctx: Updater) -> Body:
    """Change a team's apps and members."""
    with translated():
        teams.change(ctx.session, ctx.principal, ctx.team, body)
    return ok(teams.read(ctx.session, ctx.team))


@router.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}/membership")
def update_membership(
    body: TeamChange,
    ctx: Annotated[TeamContext, Depends(TeamScope("team_members:update"))],
) -> Body:
    """Add and remove team members."""
    only = TeamChange(
        version=body.version,
        add_team_membership=body.add_team_membership,
        remove_team_membership=body.remove_team_membership,
    )
    with translated():
        teams.change(ctx.session, ctx.principal, ctx.team, only)
    return ok(teams.read(ctx.session, ctx.team))


@router.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}/apps")
def update_apps(
    body: TeamChange,
    ctx: Annotated[TeamContext, Depends(TeamScope("team_apps:update"))],
) -> Body:
    """Add and remove the team's apps."""
    only = TeamChange(
        version=body.version,
        add_applications=body.add_applications,
        remove_applications=body.remove_applications,
        force_app_inclusion=body.force_app_inclusion,
    )
    with translated():
        teams.change(ctx.session, ctx.principal, ctx.team, only)
    return ok(teams.read(ctx.session, ctx.team))


@router.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}/metadata")
def update_metadata(body: TeamMetadata, ctx: Updater) -> Body:
    """Rename a team."""
    with translated():
        teams.rename(ctx.session, ctx.team, body)
    return ok(teams.read(ctx.session, ctx.team))


@router.delete("/orgs/{orgID}/rbac/teams/{rbacTeamID}")
def delete_team(
    ctx: Annotated[TeamContext, Depends(TeamScope("teams:delete"))],
    body: TeamDelete | None = None,
    version: int | None = None,
) -> Body:
    """Delete a team; the body (or the query) names its current version."""
    given = body.version if body and body.version is not None else version
    with translated():
        teams.remove(ctx.session, ctx.team, given)
    return ok(omit_response=True)


@router.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}/groups")
def list_team_groups(ctx: Lister) -> Body:
    """The groups attached to a team."""
    found = groups.team_groups(ctx.session, ctx.team)
    return ok([groups.group_read(ctx.session, group) for group in found])


@router.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}/groups")
def put_team_groups(body: TeamGroupsUpdate, ctx: Updater) -> Body:
    """Attach groups to a team, or change their team roles."""
    with translated():
        groups.attach_many(ctx.session, ctx.principal, ctx.team, body.group_ids)
    return ok(omit_response=True)


@router.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}/groups/{groupID}")
def get_team_group(groupID: str, ctx: Reader) -> Body:  # noqa: N803
    """One group attached to the team."""
    with translated():
        group = groups.team_group(ctx.session, ctx.team, groupID)
    return ok(groups.group_read(ctx.session, group))


@router.post("/orgs/{orgID}/rbac/teams/{rbacTeamID}/groups/{groupID}")
def set_team_group_role(
    groupID: str,  # noqa: N803
    body: GroupRoleUpdate,
    ctx: Updater,
) -> Body:
    """Give a group another role in the team (attaching it if needed)."""
    with translated():
        groups.attach(ctx.session, ctx.principal, ctx.team, groupID, body.team_role)
    return ok(omit_response=True)


@router.delete("/orgs/{orgID}/rbac/teams/{rbacTeamID}/groups/{groupID}")
def remove_team_group(groupID: str, ctx: Updater) -> Body:  # noqa: N803
    """Detach a group from the team."""
    with translated():
        groups.detach(ctx.session, ctx.principal, ctx.team, groupID)
    return ok(omit_response=True)


@config.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}/configuration")
def get_configuration(ctx: Reader) -> Body:
    """The team's own configuration."""
    return ok(teams.configuration(ctx.team))


@config.put("/orgs/{orgID}/rbac/teams/{rbacTeamID}/configuration")
def put_configuration(body: TeamConfiguration, ctx: Updater) -> Body:
    """Replace the team's configuration."""
    return ok(teams.set_configuration(ctx.session, ctx.team, body, merge=False))


@config.patch("/orgs/{orgID}/rbac/teams/{rbacTeamID}/configuration")
def patch_configuration(body: TeamConfiguration, ctx: Updater) -> Body:
    """Merge the body's fields into the team's configuration."""
    return ok(teams.set_configuration(ctx.session, ctx.team, body, merge=True))


@config.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}/configuration/merged")
def get_merged_configuration(ctx: Reader) -> Body:
    """The org configuration with the team's merged over it."""
    return ok(teams.merged_configuration(ctx.session, ctx.team))


@scopes.get("/orgs/{orgID}/rbac/teams/{rbacTeamID}/my_scopes")
def my_team_scopes(ctx: Annotated[TeamContext, Depends(TeamScope())]) -> Body:
    """The caller's scopes in the team: its org role's plus its team role's."""
    principal = ctx.principal
    team_scopes = principal.team_roles.get(ctx.team.id, frozenset())
    return ok(sorted(principal.scopes | team_scopes))
