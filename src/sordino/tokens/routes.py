"""HTTP routes for access tokens, the caller's scopes and the caller's user."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from sordino.api.deps import AppContext, AppScope, OrgScope, PrincipalDep, SessionDep
from sordino.api.envelope import ok
from sordino.api.errors import Forbidden, NotFound, ValidationFailed
from sordino.common import iso
from sordino.orgs.models import Org
from sordino.rbac.access import Principal
from sordino.rbac.models import Invitation, User
from sordino.tokens import service
from sordino.tokens.models import AccessToken
from sordino.tokens.schemas import TokenCreate

router = APIRouter(tags=["tokens"])
scopes = APIRouter(tags=["scopes"])
users = APIRouter(tags=["users"])

Body = dict[str, Any]


def _token_read(token: AccessToken) -> Body:
    return {
        "id": token.id,
        "label": token.label,
        "description": token.description,
        "role_id": token.role_id,
        "token_type": token.token_type,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at) if token.expires_at else None,
    }


@router.get("/orgs/{orgID}/roles")
def token_roles(_p: Annotated[Principal, Depends(OrgScope("roles:list"))]) -> Body:
    """The roles a token can be given."""
    return ok(
        [
            {
                "id": role.id,
                "label": role.name,
                "description": f"Grants the scopes of the {role.name} role.",
                "role_type": "managed",
            }
            for role in service.ROLES
        ]
    )


@router.get("/orgs/{orgID}/tokens")
def list_tokens(
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("tokens:list"))],
    show_expired: bool = False,
    token_type: Literal["access", "integration"] | None = None,
) -> Body:
    """The org's live tokens (without their values)."""
    found = service.list_for_org(
        session, principal.org_id, show_expired=show_expired, token_type=token_type
    )
    return ok([_token_read(token) for token in found])


@router.post("/orgs/{orgID}/tokens")
def create_token(
    body: TokenCreate,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("tokens:create"))],
) -> Body:
    """Issue a token for the caller's user with the given role."""
    try:
        role_id, granted = service.allowed_role(
            session, principal.org_id, body.role_id, principal.scopes
        )
    except service.RoleError as exc:
        raise ValidationFailed(
            str(exc), validation_errors=[f"role_id: {exc.problem}"]
        ) from exc
    settings = request.app.state.settings
    issued = service.create(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        role_id=role_id,
        scopes=sorted(granted),
        key=request.app.state.signing_key,
        issuer=settings.issuer,
        label=body.label,
        description=body.description,
        token_type=body.token_type,
        valid_for_seconds=body.valid_for_seconds,
    )
    return ok({**_token_read(issued.record), "value": issued.value})


@router.delete("/orgs/{orgID}/tokens/{tokenID}")
def revoke_token(
    tokenID: str,  # noqa: N803 (the reference's path parameter name)
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("tokens:delete"))],
) -> Body:
    """Revoke a token; it is refused from the next request on."""
    try:
        revoked = service.revoke(
            session,
            principal.org_id,
            tokenID,
            user_id=principal.user_id,
            held=principal.scopes,
        )
    except service.StrongerRole as exc:
        raise Forbidden(str(exc)) from exc
    if not revoked:
        raise NotFound(f"no live token with id {tokenID!r}")
    return ok(omit_response=True)


@scopes.get("/orgs/{orgID}/my_scopes")
def my_org_scopes(principal: Annotated[Principal, Depends(OrgScope())]) -> Body:
    """The scopes the caller's token holds org-wide."""
    return ok(sorted(principal.scopes))


@scopes.get("/orgs/{orgID}/apps/{appID}/my_scopes")
def my_app_scopes(ctx: Annotated[AppContext, Depends(AppScope())]) -> Body:
    """The scopes the caller holds on one app (org role plus team role)."""
    principal = ctx.principal
    team = principal.team_roles.get(ctx.app.team_id or "", frozenset())
    return ok(sorted(principal.scopes | team))


@users.get("/user")
def current_user(principal: PrincipalDep, session: SessionDep) -> Body:
    """The caller's user, its org membership and pending invitations."""
    user = session.get(User, principal.user_id)
    org = session.get(Org, principal.org_id)
    if user is None or org is None:
        raise NotFound("no such user")
    invites = session.query(Invitation).filter(Invitation.email == user.email).all()
    return ok(
        {
            "idv2": user.id,
            "idv1": "",
            "name": user.name,
            "email": user.email,
            "emailVerified": True,
            "membership": [{"organization": org.id, "organizationName": org.name}],
            "invites": [
                {
                    "organization": invite.org_id,
                    "organizationName": org.name,
                    "inviteId": invite.id,
                }
                for invite in invites
            ],
            "lastLoginUTCTimestampHistory": [],
        }
    )
