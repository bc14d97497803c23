"""Human groups (as an identity provider knows them) and their team roles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sordino.rbac import builtin
from sordino.rbac.access import Principal
from sordino.rbac.models import Group, GroupMember, Team, TeamGroup, User
from sordino.rbac.schemas import GroupRole
from sordino.rbac.service import (
    Missing,
    bump_team,
    check_grant,
    resolve_role,
    team_alias,
)

log = structlog.get_logger()


def get_group(session: Session, org_id: str, group_id: str) -> Group | None:
    """The org's group with this id."""
    group = session.get(Group, group_id)
    return group if group is not None and group.org_id == org_id else None


def create_group(
    session: Session, org_id: str, name: str, user_ids: Sequence[str] = ()
) -> Group:
    """Record a group and its members (single sign-on and tests create them)."""
    group = Group(org_id=org_id, name=name)
    session.add(group)
    session.flush()
    for user_id in dict.fromkeys(user_ids):
        session.add(GroupMember(group_id=group.id, user_id=user_id))
    session.flush()
    log.info("group.created", org=org_id, group=group.id, members=len(user_ids))
    return group


def list_groups(
    session: Session,
    org_id: str,
    *,
    name: str | None = None,
    iname: str | None = None,
    search: str | None = None,
) -> list[Group]:
    """The org's groups by name, filtered exactly, case-insensitively or by part."""
    query = select(Group).where(Group.org_id == org_id)
    if name:
        query = query.where(Group.name == name)
    if iname:
        query = query.where(func.lower(Group.name) == iname.lower())
    if search:
        query = query.where(func.lower(Group.name).like(f"%{search.lower()}%"))
    return list(session.scalars(query.order_by(func.lower(Group.name), Group.id)))


def group_read(
    session: Session, group: Group, *, members: bool = True
) -> dict[str, Any]:
    """A group with its members and the teams it belongs to."""
    body: dict[str, Any] = {"group_id": group.id, "group_name": group.name}
    if members:
        rows = session.execute(
            select(User.id, User.email)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(User.email)
        ).all()
        body["members"] = [
            {"user_id_v2": user_id, "user_id": user_id, "email": email}
            for user_id, email in rows
        ]
    teams = session.execute(
        select(Team.id, Team.name, TeamGroup.role_id)
        .join(TeamGroup, TeamGroup.team_id == Team.id)
        .where(TeamGroup.group_id == group.id)
        .order_by(Team.name)
    ).all()
    body["teams"] = [
        {"team_id": team_id, "team_name": name, "role": team_alias(role)}
        for team_id, name, role in teams
    ]
    return body


def team_groups(session: Session, team: Team) -> list[Group]:
    """The groups attached to a team, by name."""
    return list(
        session.scalars(
            select(Group)
            .join(TeamGroup, TeamGroup.group_id == Group.id)
            .where(TeamGroup.team_id == team.id)
            .order_by(Group.name)
        )
    )


def team_group(session: Session, team: Team, group_id: str) -> Group:
    """A group attached to the team; Missing when it is not."""
    group = get_group(session, team.org_id, group_id)
    if group is None or session.get(TeamGroup, (team.id, group.id)) is None:
        raise Missing(f"group {group_id!r} is not in the team")
    return group


def attach(
    session: Session,
    principal: Principal,
    team: Team,
    group_id: str,
    role: str | None,
) -> None:
    """Attach a group to a team with a team role, or change its role.

    The caller must hold every scope of the role it gives (and of the role it
    replaces), org-wide or in this team.
    """
    group = get_group(session, team.org_id, group_id)
    if group is None:
        raise Missing(f"no group with id {group_id!r}")
    role_id = resolve_role(session, team.org_id, role or builtin.MEMBER.id, team=True)
    check_grant(session, principal, role_id, team.id)
    link = session.get(TeamGroup, (team.id, group.id))
    if link is None:
        session.add(TeamGroup(team_id=team.id, group_id=group.id, role_id=role_id))
    else:
        check_grant(session, principal, link.role_id, team.id)
        link.role_id = role_id
    session.flush()
    bump_team(session, team)


def attach_many(
    session: Session, principal: Principal, team: Team, specs: list[GroupRole]
) -> None:
    """Attach several groups at once."""
    for spec in specs:
        attach(session, principal, team, spec.group_id, spec.team_role)


def detach(session: Session, principal: Principal, team: Team, group_id: str) -> None:
    """Remove a group from a team; the caller must hold the group's team role."""
    group = team_group(session, team, group_id)
    link = session.get(TeamGroup, (team.id, group.id))
    if link is not None:
        check_grant(session, principal, link.role_id, team.id)
        session.delete(link)
    session.flush()
    bump_team(session, team)
