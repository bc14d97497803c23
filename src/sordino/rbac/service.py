"""Roles, users and invitations of an org.

Built-in roles are read-only; custom roles add to them. Every function takes
the org id and only ever touches that org's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import structlog
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sordino.orgs import service as orgs
from sordino.rbac import builtin
from sordino.rbac.access import Principal, role_scopes
from sordino.rbac.models import (
    CustomRole,
    GroupMember,
    Invitation,
    Team,
    TeamGroup,
    TeamMember,
    User,
)
from sordino.rbac.schemas import RoleCreate, RoleUpdate
from sordino.tokens.models import AccessToken

log = structlog.get_logger()
# Statements that keep the session's objects as they are; the caller updates
# the one attribute it changed.
NO_SYNC = {"synchronize_session": False}
# One "@", no spaces, and a domain of dot-separated labels ("localhost" too).
EMAIL = re.compile(r"^[^@\s]+@[\w-]+(\.[\w-]+)*$")


class RbacError(ValueError):
    """A request about roles, users or teams that cannot be carried out."""


class Missing(RbacError):
    """The named role, user, team or group does not exist in the org."""


class Clash(RbacError):
    """The change collides with the stored state."""


class Refused(RbacError):
    """The caller may not make this change."""


# Roles ---------------------------------------------------------------------


def get_custom_role(session: Session, org_id: str, role_id: str) -> CustomRole | None:
    """The org's custom role with this id."""
    role = session.get(CustomRole, role_id)
    return role if role is not None and role.org_id == org_id else None


def builtin_read(role: builtin.BuiltinRole) -> dict[str, Any]:
    """The API's view of a built-in role."""
    return {
        "id": role.id,
        "id_aliases": list(role.aliases),
        "name": role.name,
        "description": role.description,
        "scopes": sorted(role.scopes),
        "role_type": "qwiet",
    }


def custom_read(role: CustomRole) -> dict[str, Any]:
    """The API's view of a custom role."""
    return {
        "id": role.id,
        "id_aliases": [],
        "name": role.name,
        "description": role.description,
        "scopes": sorted(role.scopes),
        "role_type": role.role_type,
        "organization_id": role.org_id,
    }


def list_roles(session: Session, org_id: str) -> list[dict[str, Any]]:
    """Every built-in role, then the org's custom roles by name."""
    custom = session.scalars(
        select(CustomRole).where(CustomRole.org_id == org_id).order_by(CustomRole.name)
    )
    return [builtin_read(r) for r in builtin.ALL_ROLES] + [
        custom_read(r) for r in custom
    ]


def _check_known_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes, each one of those listed (``GET /rbac/scopes``), sorted.

    A pattern such as ``project:*`` is refused unless the list itself holds it
    (``auth_provider:*``): every check compares scopes as listed.
    """
    known = set(builtin.all_scopes())
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        raise RbacError(f"unknown scopes: {', '.join(sorted(set(unknown)))}")
    return sorted(set(scopes))


def _check_free_name(
    session: Session, org_id: str, name: str, keep: str | None = None
) -> None:
    if builtin.is_reserved_name(name):
        raise Clash(f"{name!r} is the name of a built-in role")
    other = session.scalar(
        select(CustomRole).where(
            CustomRole.org_id == org_id,
            func.lower(func.trim(CustomRole.name)) == name.lower(),
        )
    )
    if other is not None and other.id != keep:
        raise Clash(f"a role named {name!r} already exists")


def create_role(session: Session, principal: Principal, body: RoleCreate) -> CustomRole:
    """Define a custom role of listed scopes, none of which the caller lacks."""
    org_id = principal.org_id
    scopes = _check_known_scopes(body.scopes)
    _check_held(principal, scopes)
    _check_free_name(session, org_id, body.name)
    role = CustomRole(
        org_id=org_id,
        name=body.name,
        description=body.description,
        scopes=scopes,
        role_type=body.role_type,
    )
    session.add(role)
    session.flush()
    log.info("role.created", org=org_id, role=role.id, scopes=len(scopes))
    return role


def _check_held(principal: Principal, scopes: Iterable[str]) -> None:
    """Refuse a role change that would hand out a scope the caller lacks.

    Scopes are read from roles at each request, so widening a role widens
    every token of it at once, the caller's own included.
    """
    if not principal.has_all(builtin.expand(scopes)):
        raise Refused("the caller cannot grant or take away scopes it does not hold")


def _editable(session: Session, principal: Principal, role_id: str) -> CustomRole:
    if builtin.get(role_id) is not None:
        raise Refused("built-in roles cannot be changed or deleted")
    role = get_custom_role(session, principal.org_id, role_id)
    if role is None:
        raise Missing(f"no role with id {role_id!r}")
    _check_held(principal, role.scopes)
    return role


def update_role(
    session: Session, principal: Principal, role_id: str, body: RoleUpdate
) -> CustomRole:
    """Change a custom role's name, description and scopes (within the caller's)."""
    org_id = principal.org_id
    role = _editable(session, principal, role_id)
    scopes = _check_known_scopes(body.scopes)
    _check_held(principal, scopes)
    role.scopes = scopes
    if body.name is not None and body.name != role.name:
        _check_free_name(session, org_id, body.name, keep=role.id)
        role.name = body.name
    if body.description is not None:
        role.description = body.description
    session.flush()
    log.info("role.updated", org=org_id, role=role.id)
    return role


def role_holders(session: Session, org_id: str, role_id: str) -> list[str]:
    """What still refers to the role: users, tokens, team members, invitations."""
    checks = {
        "users": select(func.count())
        .select_from(User)
        .where(User.org_id == org_id, User.org_role_id == role_id),
        "tokens": select(func.count())
        .select_from(AccessToken)
        .where(
            AccessToken.org_id == org_id,
            AccessToken.role_id == role_id,
            AccessToken.revoked_at.is_(None),
        ),
        "team members": select(func.count())
        .select_from(TeamMember)
        .where(TeamMember.role_id == role_id),
        "team groups": select(func.count())
        .select_from(TeamGroup)
        .where(TeamGroup.role_id == role_id),
        "invitations": select(func.count())
        .select_from(Invitation)
        .where(Invitation.org_id == org_id, Invitation.org_role_id == role_id),
    }
    return [name for name, query in checks.items() if session.scalar(query)]


def delete_role(session: Session, principal: Principal, role_id: str) -> None:
    """Delete a custom role that nothing refers to any more."""
    org_id = principal.org_id
    role = _editable(session, principal, role_id)
    holders = role_holders(session, org_id, role.id)
    if holders:
        raise Clash(f"the role is still held by {', '.join(holders)}")
    session.delete(role)
    session.flush()
    log.info("role.deleted", org=org_id, role=role_id)


def resolve_role(session: Session, org_id: str, value: str, *, team: bool) -> str:
    """The id of an org role (``team=False``) or team role given by alias or id."""
    kind = "team" if team else "org"
    allowed = builtin.TEAM_ROLES if team else builtin.ORG_ROLES
    role = builtin.get(value)
    if role is not None:
        if role not in allowed:
            raise RbacError(f"{value!r} is not {'a team' if team else 'an org'} role")
        return role.id
    custom = get_custom_role(session, org_id, value)
    if custom is None or (not team and custom.role_type != "organization"):
        raise RbacError(f"no {kind} role {value!r}")
    return custom.id


def role_label(session: Session, org_id: str, role_id: str) -> tuple[str, list[str]]:
    """A role's display name and aliases."""
    role = builtin.get(role_id)
    if role is not None:
        return role.name, list(role.aliases)
    custom = get_custom_role(session, org_id, role_id)
    return (custom.name if custom else ""), []


def team_alias(role_id: str) -> str:
    """The team alias of a built-in team role, else the id itself."""
    role = builtin.get(role_id)
    if role is None:
        return role_id
    found = [a for a in role.aliases if a in builtin.TEAM_ROLE_ALIASES]
    return found[0] if found else role.aliases[0]


# Users ---------------------------------------------------------------------

USER_SORTS = {
    "name": func.lower(User.name),
    "email": func.lower(User.email),
    "role": User.org_role_id,
}


def get_user(session: Session, org_id: str, user_id: str) -> User | None:
    """The org's user with this id."""
    user = session.get(User, user_id)
    return user if user is not None and user.org_id == org_id else None


def get_user_by_email(session: Session, org_id: str, email: str) -> User | None:
    """The org's user with this email, compared case-insensitively."""
    return session.scalars(
        select(User).where(
            User.org_id == org_id, func.lower(User.email) == email.strip().lower()
        )
    ).first()


def list_users(
    session: Session,
    org_id: str,
    *,
    emails: list[str],
    search: str | None = None,
    team_id: str | None = None,
    sort: str = "email",
    descending: bool = False,
) -> list[User]:
    """The org's users, filtered by email, substring or team, then sorted."""
    query = select(User).where(User.org_id == org_id)
    if emails:
        query = query.where(func.lower(User.email).in_([e.lower() for e in emails]))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(User.email).like(pattern),
                func.lower(User.name).like(pattern),
            )
        )
    if team_id:
        members = select(TeamMember.user_id).where(TeamMember.team_id == team_id)
        query = query.where(User.id.in_(members))
    column = USER_SORTS.get(sort, User.created_at)
    ordered = column.desc() if descending else column.asc()
    return list(session.scalars(query.order_by(ordered, User.id)))


def users_read(
    session: Session, org_id: str, users: list[User]
) -> list[dict[str, Any]]:
    """The API's view of users: org role first, then each team role."""
    ids = [user.id for user in users]
    rows = session.execute(
        select(TeamMember.user_id, Team.id, Team.name, TeamMember.role_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.user_id.in_(ids))
        .order_by(Team.name)
    ).all()
    teams: dict[str, list[tuple[str, str, str]]] = {}
    for user_id, team_id, team_name, role_id in rows:
        teams.setdefault(user_id, []).append((team_id, team_name, role_id))
    result = []
    for user in users:
        entries = [("", "", user.org_role_id), *teams.get(user.id, [])]
        result.append(
            {
                "name": user.name,
                "email": user.email,
                "id_v2": user.id,
                "team_membership": [
                    _membership(session, org_id, *entry) for entry in entries
                ],
            }
        )
    return result


def _membership(
    session: Session, org_id: str, team_id: str, team_name: str, role_id: str
) -> dict[str, Any]:
    name, aliases = role_label(session, org_id, role_id)
    return {
        "team_name": team_name,
        "team_id": team_id,
        "role": role_id,
        "role_name": name,
        "role_aliases": aliases,
    }


def add_user(
    session: Session, org_id: str, email: str, role: str, name: str = ""
) -> User:
    """Add a user to the org with an org role given by alias or id."""
    email = email.strip()
    if not EMAIL.match(email):
        raise RbacError(f"{email!r} is not an email address")
    if get_user_by_email(session, org_id, email) is not None:
        raise Clash(f"a user with email {email!r} already exists")
    role_id = resolve_role(session, org_id, role, team=False)
    user = User(org_id=org_id, email=email, name=name or email, org_role_id=role_id)
    session.add(user)
    session.flush()
    log.info("user.added", org=org_id, user=user.id, role=role_id)
    return user


def _super_admins(session: Session, org_id: str) -> int:
    query = (
        select(func.count())
        .select_from(User)
        .where(User.org_id == org_id, User.org_role_id == builtin.SUPER_ADMIN.id)
    )
    return int(session.scalar(query) or 0)


def _check_last_admin(session: Session, user: User, action: str) -> None:
    is_admin = user.org_role_id == builtin.SUPER_ADMIN.id
    if is_admin and _super_admins(session, user.org_id) <= 1:
        raise Clash(f"the org's last Super Admin cannot be {action}")


def check_grant(
    session: Session, principal: Principal, role_id: str, team_id: str | None = None
) -> None:
    """Refuse to give or take away a role holding a scope the caller lacks.

    With ``team_id``, the caller's role in that team counts as well.
    """
    scopes = role_scopes(session, principal.org_id, role_id)
    if not principal.has_all(scopes, team_id=team_id):
        raise Refused("the caller cannot grant or take away scopes it does not hold")


def _lock_users(session: Session, org_id: str, user: User) -> None:
    """Hold the org until commit and re-read ``user`` as it is now.

    Changes that may take away a Super Admin then run one after another in an
    org, each seeing what the one before committed: two admins demoting each
    other cannot both count two admins.
    """
    orgs.lock(session, org_id)
    if session.get(User, user.id, populate_existing=True) is None:
        raise Missing(f"no user with id {user.id!r}")


def _current(session: Session, principal: Principal) -> Principal:
    """The caller with the scopes its user holds now, once the org is locked.

    It may have been demoted or removed while its request waited for the lock.
    """
    caller = session.get(User, principal.user_id, populate_existing=True)
    if caller is None:
        raise Refused("the caller's user no longer exists")
    held = role_scopes(session, principal.org_id, caller.org_role_id)
    return replace(
        principal, org_role_id=caller.org_role_id, scopes=principal.scopes & held
    )


def set_org_role(
    session: Session, principal: Principal, user_id: str, role: str
) -> User:
    """Give a user another org role; tokens above the new role are lowered to it."""
    user = get_user(session, principal.org_id, user_id)
    if user is None:
        raise Missing(f"no user with id {user_id!r}")
    role_id = resolve_role(session, principal.org_id, role, team=False)
    check_grant(session, principal, role_id)
    check_grant(session, principal, user.org_role_id)
    _lock_users(session, principal.org_id, user)
    if role_id != builtin.SUPER_ADMIN.id:
        _check_last_admin(session, user, "demoted")
    caller = _current(session, principal)
    check_grant(session, caller, role_id)
    check_grant(session, caller, user.org_role_id)
    user.org_role_id = role_id
    _lower_tokens(session, user, role_id)
    session.flush()
    log.info("user.role_changed", org=user.org_id, user=user.id, role=role_id)
    return user


def _lower_tokens(session: Session, user: User, role_id: str) -> None:
    allowed = role_scopes(session, user.org_id, role_id)
    tokens = session.scalars(select(AccessToken).where(AccessToken.user_id == user.id))
    for token in tokens:
        if not role_scopes(session, user.org_id, token.role_id) <= allowed:
            token.role_id = role_id


def delete_user(session: Session, principal: Principal, user_id: str) -> None:
    """Remove a user, their tokens and their memberships from the org."""
    user = get_user(session, principal.org_id, user_id)
    if user is None:
        raise Missing(f"no user with id {user_id!r}")
    check_grant(session, principal, user.org_role_id)
    _lock_users(session, principal.org_id, user)
    _check_last_admin(session, user, "removed")
    check_grant(session, _current(session, principal), user.org_role_id)
    for model in (AccessToken, TeamMember, GroupMember):
        session.execute(delete(model).where(model.user_id == user.id))
    session.delete(user)
    session.flush()
    log.info("user.deleted", org=principal.org_id, user=user_id)


# Teams ---------------------------------------------------------------------


def bump_team(session: Session, team: Team) -> None:
    """Add one to a team's version in the database itself, losing no change."""
    stmt = (
        update(Team)
        .where(Team.id == team.id)
        .values(version=Team.version + 1)
        .returning(Team.version)
    )
    version = session.execute(stmt, execution_options=NO_SYNC).scalar_one()
    set_committed_value(team, "version", version)


# Invitations ---------------------------------------------------------------


def list_invitations(
    session: Session,
    org_id: str,
    *,
    search: str | None = None,
    sort: str = "email",
    descending: bool = False,
) -> list[dict[str, Any]]:
    """The org's pending invitations, filtered by substring and sorted."""
    query = select(Invitation).where(Invitation.org_id == org_id)
    if search:
        query = query.where(func.lower(Invitation.email).like(f"%{search.lower()}%"))
    column = Invitation.created_at if sort == "invited" else Invitation.email
    ordered = column.desc() if descending else column.asc()
    return [
        {
            "name": "",
            "email": invite.email,
            "role": invite.org_role_id,
            "invited_utc_timestamp": _nanoseconds(invite.created_at),
        }
        for invite in session.scalars(query.order_by(ordered, Invitation.id))
    ]


def _nanoseconds(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1_000_000) * 1000
