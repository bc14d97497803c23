"""The compound-scoped access check, the counterpart of ``AppScope`` for compounds.

No ``from __future__ import annotations`` here: FastAPI reads the signature of
a dependency instance's ``__call__`` and cannot resolve string annotations.
"""

from fastapi import Request

from sordino.api.deps import PrincipalDep, SessionDep, check_org
from sordino.api.errors import Forbidden, NotFound, ValidationFailed
from sordino.compounds import service
from sordino.compounds.service import CompoundView
from sordino.findings import query as fq
from sordino.rbac.access import Principal


def _forbidden(scopes: tuple[str, ...]) -> Forbidden:
    return Forbidden(f"this operation needs the scope {' or '.join(scopes)}")


def may_hold(principal: Principal, scopes: tuple[str, ...]) -> None:
    """Refuse before any lookup a caller holding ``scopes`` nowhere, org or team."""
    teams = [None, *principal.team_roles]
    if not any(principal.has(s, team_id=t) for s in scopes for t in teams):
        raise _forbidden(scopes)


class SomeMemberScope:
    """Requires one of ``scopes`` org-wide or in some team; the route narrows.

    For a route that finds its compound (or app) itself and keeps only the
    members where the caller holds the scope.
    """

    level = "app"

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    def __call__(self, request: Request, principal: PrincipalDep) -> Principal:
        """The caller, once it holds the scope somewhere."""
        check_org(request, principal)
        may_hold(principal, self.scopes)
        return principal


class CompoundScope:
    """Requires one of ``scopes`` on the compound in the path.

    The scope counts org-wide or through the team of a visible member app; the
    route gets the compound narrowed to the members where the caller holds it.
    An unknown compound (or one with no visible member) answers 404.
    """

    level = "app"

    def __init__(
        self, *scopes: str, param: str = "compoundName", archived_param: bool = False
    ) -> None:
        self.scopes = scopes
        self.param = param
        self.archived_param = archived_param

    def __call__(
        self, request: Request, principal: PrincipalDep, session: SessionDep
    ) -> CompoundView:
        """The narrowed compound, once the caller's scope is checked."""
        check_org(request, principal)
        may_hold(principal, self.scopes)
        key = request.path_params[self.param]
        try:
            if self.param == "compoundID":
                view = service.get(session, principal, key)
            else:
                view = service.get_by_name(
                    session, principal, key, archived=self._archived(request)
                )
        except service.CompoundNotFound as exc:
            raise NotFound(str(exc)) from exc
        narrowed = service.narrow(view, principal, self.scopes)
        if not narrowed.members:
            raise _forbidden(self.scopes)
        return narrowed

    def _archived(self, request: Request) -> bool:
        """``archived`` from the query when the route takes it, else true."""
        if not self.archived_param:
            return True
        try:
            return fq.flag(request.query_params.multi_items(), "archived")
        except fq.QueryError as exc:
            raise ValidationFailed(
                "the query parameters are not valid", validation_errors=exc.problems
            ) from exc
