"""Request dependencies: the database session, the caller and scope checks.

Every route declares its scope with ``OrgScope`` or ``AppScope``; the checks
fail closed. An org that is not the token's answers 404, as if it did not exist.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from sordino.api.errors import Forbidden, NotFound, Unauthorized
from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.config import Settings
from sordino.db import Database
from sordino.rbac.access import Principal, load_principal
from sordino.rbac.models import User
from sordino.tokens import service as tokens


def get_db(request: Request) -> Database:
    """The application's database."""
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request, committed once when the route succeeds."""
    db = get_db(request)
    with db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("an 'Authorization: Bearer <token>' header is required")
    return value.strip()


def authenticate(request: Request, session: SessionDep) -> Principal:
    """The caller behind the request's bearer token; 401 when there is none."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    settings = get_settings_dep(request)
    try:
        record = tokens.verify(
            session,
            _bearer(request),
            key=request.app.state.signing_key,
            issuer=settings.issuer,
        )
    except tokens.TokenError as exc:
        raise Unauthorized(str(exc)) from exc
    user = session.get(User, record.user_id)
    if user is None:
        raise Unauthorized("the token's user no longer exists")
    principal = load_principal(
        session, user=user, token_id=record.id, role_id=record.role_id
    )
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def check_org(request: Request, principal: Principal) -> str:
    """The caller's org, when the path names it; another org is a 404."""
    org_id = request.path_params.get("orgID")
    if org_id is not None and org_id != principal.org_id:
        raise NotFound("no such organization")
    return principal.org_id


def require_any(
    principal: Principal, scopes: tuple[str, ...], *, team_id: str | None = None
) -> None:
    """Refuse (403) a caller holding none of ``scopes``, org-wide or in ``team_id``."""
    if scopes and not any(principal.has(s, team_id=team_id) for s in scopes):
        raise Forbidden(f"this operation needs the scope {' or '.join(scopes)}")


class OrgScope:
    """Requires one of ``scopes`` org-wide (no scopes: any valid token)."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    def __call__(self, request: Request, principal: PrincipalDep) -> Principal:
        check_org(request, principal)
        require_any(principal, self.scopes)
        return principal


@dataclass
class AppContext:
    """A route's caller together with the app its path names."""

    principal: Principal
    app: App
    session: Session


def find_app(session: Session, principal: Principal, app_id: str) -> App:
    """The org's app ``app_id`` if the caller may see it, else 404."""
    app = apps.get_by_app_id(session, principal.org_id, app_id)
    if app is None or not principal.can_see(app):
        raise NotFound(f"no app with id {app_id!r}")
    return app


class AppScope:
    """Requires one of ``scopes`` on the app in the path (org role or team role)."""

    def __init__(self, *scopes: str, param: str = "appID") -> None:
        self.scopes = scopes
        self.param = param

    def __call__(
        self, request: Request, principal: PrincipalDep, session: SessionDep
    ) -> AppContext:
        check_org(request, principal)
        app = find_app(session, principal, request.path_params[self.param])
        require_any(principal, self.scopes, team_id=app.team_id)
        return AppContext(principal, app, session)


class UploadScope:
    """Requires one of ``scopes`` on the app in the path, org-wide for a new app.

    An upload to an app the caller cannot see needs the scope org-wide too, so
    a team's member learns nothing of other apps (the upload then answers 404).
    """

    level = "app"

    def __init__(self, *scopes: str, param: str = "appID") -> None:
        self.scopes = scopes
        self.param = param

    def __call__(
        self, request: Request, principal: PrincipalDep, session: SessionDep
    ) -> Principal:
        check_org(request, principal)
        app = apps.get_by_app_id(
            session, principal.org_id, request.path_params[self.param]
        )
        team_id = app.team_id if app is not None and principal.can_see(app) else None
        require_any(principal, self.scopes, team_id=team_id)
        return principal
