"""Teams, their apps, members, groups and configuration.

Every change to a team names the version it was based on; a stale version is
refused and each accepted change bumps it. An app belongs to at most one team.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sordino.apps.models import App
from sordino.common import deep_merge
from sordino.orgs import service as orgs
from sordino.orgs.models import Org
from sordino.rbac import builtin
from sordino.rbac.access import Principal
from sordino.rbac.groups import group_read, team_groups
from sordino.rbac.models import Team, TeamGroup, TeamMember, User
from sordino.rbac.schemas import (
    MemberSpec,
    TeamChange,
    TeamConfiguration,
    TeamCreate,
    TeamMetadata,
)
from sordino.rbac.service import (
    NO_SYNC,
    Clash,
    Missing,
    RbacError,
    Refused,
    bump_team,
    check_grant,
    get_user,
    get_user_by_email,
    resolve_role,
)

log = structlog.get_logger()
# The scope to change a team's apps, needed as well in the team an app leaves.
MOVE_SCOPE = "team_apps:update"


def get_team(session: Session, org_id: str, team_id: str) -> Team | None:
    """The org's team with this id."""
    team = session.get(Team, team_id)
    return team if team is not None and team.org_id == org_id else None


def _by_name(session: Session, org_id: str, name: str) -> Team | None:
    # SQLite's lower() folds only ASCII: without the exact match a non-ASCII
    # name ("Åb") escapes the check and hits the unique constraint as a 500.
    same = or_(Team.name == name, func.lower(Team.name) == name.lower())
    return session.scalars(select(Team).where(Team.org_id == org_id, same)).first()


def list_teams(
    session: Session, principal: Principal, name: str | None = None
) -> list[Team]:
    """The teams the caller may read, by name; ``name`` matches case-insensitively."""
    query = select(Team).where(Team.org_id == principal.org_id)
    if name:
        query = query.where(func.lower(Team.name) == name.lower())
    teams = session.scalars(query.order_by(func.lower(Team.name), Team.id))
    return [team for team in teams if principal.has("teams:read", team_id=team.id)]


def summary(team: Team) -> dict[str, Any]:
    """A team as the list shows it without members."""
    return {"team_id": team.id, "team_name": team.name, "team_version": team.version}


def _app_ids(session: Session, team: Team) -> list[str]:
    query = select(App.app_id).where(App.team_id == team.id).order_by(App.app_id)
    return list(session.scalars(query))


def _members(session: Session, team: Team) -> list[dict[str, str]]:
    rows = session.execute(
        select(TeamMember.user_id, TeamMember.role_id)
        .where(TeamMember.team_id == team.id)
        .order_by(TeamMember.user_id)
    ).all()
    return [{"user_id_v2": user, "team_role": role} for user, role in rows]


def with_members(session: Session, team: Team) -> dict[str, Any]:
    """A team as the list shows it when members are asked for."""
    return {
        **summary(team),
        "projects": _app_ids(session, team),
        "members": _members(session, team),
    }


def read(session: Session, team: Team) -> dict[str, Any]:
    """The full view of one team: apps, users and groups."""
    members = _members(session, team)
    return {
        "version": team.version,
        "team_id": team.id,
        "team_name": team.name,
        "applications": _app_ids(session, team),
        "users": members,
        "members": members,
        "groups": [group_read(session, g) for g in team_groups(session, team)],
    }


def claim(session: Session, team: Team, version: int | None) -> None:
    """Move the team from ``version`` to the next, or refuse a stale version.

    One compare-and-set in the database: of two changes made at the same
    version, the second waits for the first and then finds the version gone.
    Claiming first also makes every later read of the change current.
    """
    if version is None:
        raise RbacError("the team's current 'version' is required")
    stmt = (
        update(Team)
        .where(Team.id == team.id, Team.version == version)
        .values(version=Team.version + 1)
        .returning(Team.version)
    )
    claimed = session.execute(stmt, execution_options=NO_SYNC).scalar_one_or_none()
    if claimed is None:
        current = session.scalar(select(Team.version).where(Team.id == team.id))
        if current is None:
            raise Missing(f"no team with id {team.id!r}")
        raise Clash(f"the team changed since version {version}; it is now at {current}")
    set_committed_value(team, "version", claimed)


def create(session: Session, principal: Principal, body: TeamCreate) -> Team:
    """Create a team with its first apps and members."""
    org_id = principal.org_id
    if _by_name(session, org_id, body.name) is not None:
        raise Clash(f"a team named {body.name!r} already exists")
    team = Team(org_id=org_id, name=body.name, version=1, configuration={})
    session.add(team)
    session.flush()
    _add_apps(
        session, principal, team, body.applications, force=body.force_app_inclusion
    )
    _add_members(session, principal, team, body.team_membership)
    session.flush()
    log.info("team.created", org=org_id, team=team.id)
    return team


def change(
    session: Session, principal: Principal, team: Team, body: TeamChange
) -> Team:
    """Apply app and member changes to a team at ``body.version``."""
    claim(session, team, body.version)
    _remove_apps(session, principal, team, body.remove_applications)
    _add_apps(
        session,
        principal,
        team,
        body.add_applications,
        force=body.force_app_inclusion,
    )
    _remove_members(session, principal, team, body.remove_team_membership)
    _add_members(session, principal, team, body.add_team_membership)
    session.flush()
    log.info("team.changed", org=team.org_id, team=team.id, version=team.version)
    return team


def rename(session: Session, team: Team, body: TeamMetadata) -> Team:
    """Rename a team at ``body.version``."""
    claim(session, team, body.version)
    if body.change_name and body.change_name != team.name:
        other = _by_name(session, team.org_id, body.change_name)
        if other is not None and other.id != team.id:
            raise Clash(f"a team named {body.change_name!r} already exists")
        team.name = body.change_name
    session.flush()
    return team


def remove(session: Session, team: Team, version: int | None) -> None:
    """Delete a team at ``version``; its apps stay, without a team."""
    claim(session, team, version)
    session.execute(update(App).where(App.team_id == team.id).values(team_id=None))
    for model in (TeamMember, TeamGroup):
        session.execute(delete(model).where(model.team_id == team.id))
    session.delete(team)
    session.flush()
    log.info("team.deleted", org=team.org_id, team=team.id)


def _find_apps(
    session: Session, principal: Principal, app_ids: Sequence[str]
) -> list[App]:
    """The named apps; one the caller may not see is as missing as one not there."""
    found = {
        app.app_id: app
        for app in session.scalars(
            select(App).where(App.org_id == principal.org_id, App.app_id.in_(app_ids))
        )
        if principal.can_see(app)
    }
    missing = sorted(set(app_ids) - set(found))
    if missing:
        raise RbacError(f"no apps with ids: {', '.join(missing)}")
    return [found[app_id] for app_id in dict.fromkeys(app_ids)]


def _add_apps(
    session: Session,
    principal: Principal,
    team: Team,
    app_ids: list[str],
    *,
    force: bool,
) -> None:
    """Add apps to the team; taking one from another team needs ``force``.

    Taking an app from a team also changes that team, so the caller needs
    ``team_apps:update`` there too (org-wide, or as its manager), and that
    team gets a new version.
    """
    apps = _find_apps(session, principal, app_ids)
    taken = [a for a in apps if a.team_id not in (None, team.id)]
    if taken and not force:
        raise Clash(
            f"apps already in another team: {', '.join(a.app_id for a in taken)} "
            "(set force_app_inclusion to move them)"
        )
    denied = [
        a.app_id for a in taken if not principal.has(MOVE_SCOPE, team_id=a.team_id)
    ]
    if denied:
        raise Refused(
            f"moving {', '.join(denied)} out of its team needs {MOVE_SCOPE} there"
        )
    losers = {a.team_id for a in taken if a.team_id is not None}
    for app in apps:
        app.team_id = team.id
    session.flush()
    for team_id in sorted(losers):
        loser = get_team(session, team.org_id, team_id)
        if loser is not None:
            bump_team(session, loser)


def _remove_apps(
    session: Session, principal: Principal, team: Team, app_ids: list[str]
) -> None:
    for app in _find_apps(session, principal, app_ids):
        if app.team_id == team.id:
            app.team_id = None


def _user(session: Session, org_id: str, spec: MemberSpec) -> User:
    user = None
    if spec.user_id_v2:
        user = get_user(session, org_id, spec.user_id_v2)
    elif spec.email:
        user = get_user_by_email(session, org_id, spec.email)
    else:
        raise RbacError("each member needs a 'user_id_v2' or an 'email'")
    if user is None:
        raise Missing(f"no user {spec.user_id_v2 or spec.email!r} in the org")
    return user


def _users(session: Session, org_id: str, specs: list[MemberSpec]) -> list[User]:
    """The users the specs name, each once: naming one twice is refused."""
    users = [_user(session, org_id, spec) for spec in specs]
    seen: set[str] = set()
    for user, spec in zip(users, specs, strict=True):
        if user.id in seen:
            raise RbacError(f"user {spec.user_id_v2 or spec.email!r} is named twice")
        seen.add(user.id)
    return users


def _add_members(
    session: Session, principal: Principal, team: Team, specs: list[MemberSpec]
) -> None:
    """Add members or change their team role; the caller must hold either role."""
    users = _users(session, team.org_id, specs)
    for user, spec in zip(users, specs, strict=True):
        role = spec.team_role or builtin.MEMBER.id
        role_id = resolve_role(session, team.org_id, role, team=True)
        check_grant(session, principal, role_id, team.id)
        member = session.get(TeamMember, (team.id, user.id))
        if member is None:
            session.add(TeamMember(team_id=team.id, user_id=user.id, role_id=role_id))
        else:
            check_grant(session, principal, member.role_id, team.id)
            member.role_id = role_id
        session.flush()


def _remove_members(
    session: Session, principal: Principal, team: Team, specs: list[MemberSpec]
) -> None:
    """Remove members; the caller must hold each one's team role."""
    for user in _users(session, team.org_id, specs):
        member = session.get(TeamMember, (team.id, user.id))
        if member is None:
            continue
        check_grant(session, principal, member.role_id, team.id)
        session.delete(member)
    session.flush()


# Configuration -------------------------------------------------------------


def configuration(team: Team) -> dict[str, Any]:
    """The team's own configuration."""
    analysis = team.configuration.get("analysis_configuration", {})
    return {"analysis_configuration": dict(analysis)}


def set_configuration(
    session: Session, team: Team, body: TeamConfiguration, *, merge: bool
) -> dict[str, Any]:
    """Replace (PUT) or merge into (PATCH) the team's configuration.

    The version is bumped first: that holds the team's row, so the merge reads
    the configuration as the previous change left it.
    """
    bump_team(session, team)
    session.refresh(team, ["configuration"])
    given = body.model_dump(exclude_none=True)
    team.configuration = deep_merge(team.configuration, given) if merge else given
    session.flush()
    return configuration(team)


def merged_configuration(session: Session, team: Team) -> dict[str, Any]:
    """The org's configuration with the team's merged over it."""
    org = session.get(Org, team.org_id)
    base = orgs.configuration(org)["analysis_configuration"] if org else {}
    own = configuration(team)["analysis_configuration"]
    return {"analysis_configuration": deep_merge(base, own)}
