"""Who is asking, and what they may do: scopes per org and per app."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.rbac import builtin
from sordino.rbac.models import CustomRole, GroupMember, TeamGroup, TeamMember, User


@dataclass
class Principal:
    """The caller behind a verified token.

    ``role_id`` is the token's role and ``org_role_id`` its user's org role;
    ``scopes`` are those both grant, read at each request, so a demoted user's
    tokens lose what the user lost.
    """

    org_id: str
    user_id: str
    email: str
    token_id: str
    role_id: str
    org_role_id: str
    scopes: frozenset[str]
    team_roles: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def team_defined(self) -> bool:
        """Whether this caller sees only the apps of its teams (its user's role)."""
        return self.org_role_id == builtin.TEAM_DEFINED.id

    def has(self, scope: str, *, team_id: str | None = None) -> bool:
        """Whether the caller holds ``scope`` org-wide or through ``team_id``."""
        if covers(self.scopes, scope):
            return True
        if team_id is None:
            return False
        return covers(self.team_roles.get(team_id, frozenset()), scope)

    def has_all(self, scopes: Iterable[str], *, team_id: str | None = None) -> bool:
        """Whether the caller holds every one of ``scopes`` (see ``has``)."""
        return all(self.has(scope, team_id=team_id) for scope in scopes)

    def can_see(self, app: App) -> bool:
        """Whether the app is visible at all to this caller."""
        if not self.team_defined:
            return True
        return app.team_id is not None and app.team_id in self.team_roles

    def visible_team_ids(self) -> set[str] | None:
        """Teams whose apps are visible, or None when every app is."""
        return set(self.team_roles) if self.team_defined else None


def covers(held: frozenset[str], scope: str) -> bool:
    """Whether ``held`` grants ``scope``, itself or by its ``<resource>:*``."""
    return scope in held or f"{scope.split(':', 1)[0]}:*" in held


def role_scopes(session: Session, org_id: str, role_id: str) -> frozenset[str]:
    """Scopes of a built-in role (id or alias) or of one of the org's custom roles."""
    role = builtin.get(role_id)
    if role is not None:
        return role.scopes
    custom = session.get(CustomRole, role_id)
    if custom is None or custom.org_id != org_id:
        return frozenset()
    return builtin.expand(custom.scopes)


def team_roles(
    session: Session, user_id: str, org_id: str
) -> dict[str, frozenset[str]]:
    """Each team the user belongs to (directly or by group) and its role's scopes.

    TODO(#7): team scopes are not capped by the token's role, so a Guest token
    of a team manager still manages that team; a TEAM_DEFINED user's token has
    no org scopes to cap by, so the cap needs a team scope on the token itself.
    """
    direct = session.execute(
        select(TeamMember.team_id, TeamMember.role_id).where(
            TeamMember.user_id == user_id
        )
    ).all()
    via_group = session.execute(
        select(TeamGroup.team_id, TeamGroup.role_id)
        .join(GroupMember, GroupMember.group_id == TeamGroup.group_id)
        .where(GroupMember.user_id == user_id)
    ).all()
    result: dict[str, frozenset[str]] = {}
    for team_id, role_id in [*direct, *via_group]:
        scopes = role_scopes(session, org_id, role_id)
        result[team_id] = result.get(team_id, frozenset()) | scopes
    return result


def load_principal(
    session: Session, *, user: User, token_id: str, role_id: str
) -> Principal:
    """Build the principal for a user acting through a token with ``role_id``."""
    granted = role_scopes(session, user.org_id, role_id)
    return Principal(
        org_id=user.org_id,
        user_id=user.id,
        email=user.email,
        token_id=token_id,
        role_id=role_id,
        org_role_id=user.org_role_id,
        scopes=granted & role_scopes(session, user.org_id, user.org_role_id),
        team_roles=team_roles(session, user.id, user.org_id),
    )
