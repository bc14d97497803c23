"""The team-scoped access check, the counterpart of ``AppScope`` for teams.

No ``from __future__ import annotations`` here: FastAPI reads the signature of
a dependency instance's ``__call__`` and cannot resolve string annotations.
"""

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from sordino.api.deps import PrincipalDep, SessionDep, check_org, require_any
from sordino.api.errors import NotFound
from sordino.rbac.access import Principal
from sordino.rbac.models import Team
from sordino.rbac.teams import get_team


@dataclass
class TeamContext:
    """A route's caller together with the team its path names."""

    principal: Principal
    team: Team
    session: Session


class TeamScope:
    """Requires one of ``scopes`` on the team in the path (org role or team role).

    An unknown team, or another org's, answers 404 before the scope is checked,
    the way ``AppScope`` treats apps.
    """

    def __init__(self, *scopes: str, param: str = "rbacTeamID") -> None:
        self.scopes = scopes
        self.param = param

    def __call__(
        self, request: Request, principal: PrincipalDep, session: SessionDep
    ) -> TeamContext:
        check_org(request, principal)
        team_id = request.path_params[self.param]
        team = get_team(session, principal.org_id, team_id)
        if team is None:
            raise NotFound(f"no team with id {team_id!r}")
        require_any(principal, self.scopes, team_id=team.id)
        return TeamContext(principal, team, session)
