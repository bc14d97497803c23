"""Issuing, verifying and revoking access tokens.

A token is a JWT signed with the server's key. Its ``jti`` names a row in
``access_tokens``; a token whose row is gone, revoked or expired is refused even
though its signature is still good. Only a SHA-256 of the JWT is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.db import utcnow
from sordino.rbac import builtin
from sordino.rbac.access import covers, role_scopes
from sordino.rbac.models import CustomRole
from sordino.tokens.models import AccessToken

ALGORITHM = "HS256"
# The roles Qwiet manages that a token may have, as GET /orgs/{orgID}/roles
# lists them: the org roles, so that every user can hold a token of its own
# role. Team roles (Team Manager, custom team roles) only mean something in a
# team, and a token acts org-wide.
ROLES = (
    builtin.SUPER_ADMIN,
    builtin.POWER_USER,
    builtin.MEMBER,
    builtin.GUEST,
    builtin.COLLABORATOR,
    builtin.TEAM_DEFINED,
)


class TokenError(Exception):
    """The presented token is not acceptable; the message says why."""


class RoleError(ValueError):
    """A role a token cannot be given; ``problem`` says why, for the role field."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


class UnknownRole(RoleError):
    """No role of the org has this id or alias."""


class TeamRole(RoleError):
    """The role exists but only as a team role."""


class StrongerRole(RoleError):
    """The role grants scopes that whoever asks for the token does not hold."""


def resolve_role(session: Session, org_id: str, value: str) -> str:
    """The id of the role a token may have: a managed org role or a custom one.

    The reference's ``role_id`` is "a predefined role ID from the List access
    token roles endpoint or a custom organization role ID".
    """
    role = builtin.get(value)
    if role is not None:
        if role not in ROLES:
            raise TeamRole("not a token role", f"{value!r} is a team role")
        return role.id
    custom = session.get(CustomRole, value)
    if custom is None or custom.org_id != org_id:
        raise UnknownRole("unknown role", f"no role {value!r}")
    if custom.role_type != "organization":
        raise TeamRole("not a token role", f"{value!r} is a team role")
    return custom.id


def allowed_role(
    session: Session, org_id: str, value: str, held: frozenset[str]
) -> tuple[str, frozenset[str]]:
    """The role's id and scopes, when someone holding ``held`` may issue it.

    There is no exception: a token never grants a scope its issuer lacks.
    """
    role_id = resolve_role(session, org_id, value)
    granted = role_scopes(session, org_id, role_id)
    if not all(covers(held, scope) for scope in granted):
        raise StrongerRole(
            "a token cannot hold scopes its creator does not have",
            "grants more than the caller holds",
        )
    return role_id, granted


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: its row and the JWT, shown only once."""

    record: AccessToken
    value: str


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create(
    session: Session,
    *,
    org_id: str,
    user_id: str,
    role_id: str,
    scopes: list[str],
    key: str,
    issuer: str,
    label: str,
    description: str = "",
    token_type: str = "access",  # noqa: S107
    valid_for_seconds: int | None = None,
) -> IssuedToken:
    """Create a token row and sign the JWT that refers to it."""
    now = utcnow()
    expires = (
        now + dt.timedelta(seconds=valid_for_seconds) if valid_for_seconds else None
    )
    record = AccessToken(
        org_id=org_id,
        user_id=user_id,
        role_id=role_id,
        label=label,
        description=description,
        token_type=token_type,
        secret_hash="",
        created_at=now,
        expires_at=expires,
    )
    session.add(record)
    session.flush()
    claims: dict[str, object] = {
        "jti": record.id,
        "orgID": org_id,
        "userID": user_id,
        "iss": issuer,
        "iat": int(now.timestamp()),
        "scopes": scopes,
        "tokenType": token_type,
    }
    if expires is not None:
        claims["exp"] = int(expires.timestamp())
    value = jwt.encode(claims, key, algorithm=ALGORITHM)
    record.secret_hash = _hash(value)
    return IssuedToken(record, value)


def verify(session: Session, value: str, *, key: str, issuer: str) -> AccessToken:
    """The live token row behind ``value``, or TokenError saying why not."""
    try:
        claims = jwt.decode(
            value,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["jti", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("the token is not valid") from exc
    record = session.get(AccessToken, str(claims["jti"]))
    if record is None or record.secret_hash != _hash(value):
        raise TokenError("the token is not known")
    if record.revoked_at is not None:
        raise TokenError("the token has been revoked")
    if record.expires_at is not None and _aware(record.expires_at) <= utcnow():
        raise TokenError("the token has expired")
    if claims.get("orgID") != record.org_id:
        raise TokenError("the token is not valid")
    return record


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def list_for_org(
    session: Session, org_id: str, *, show_expired: bool, token_type: str | None
) -> list[AccessToken]:
    """The org's tokens that are not revoked, optionally with expired ones."""
    query = select(AccessToken).where(
        AccessToken.org_id == org_id, AccessToken.revoked_at.is_(None)
    )
    if token_type:
        query = query.where(AccessToken.token_type == token_type)
    tokens = list(session.scalars(query.order_by(AccessToken.created_at)))
    if show_expired:
        return tokens
    now = utcnow()
    return [t for t in tokens if t.expires_at is None or _aware(t.expires_at) > now]


def revoke(
    session: Session,
    org_id: str,
    token_id: str,
    *,
    user_id: str | None = None,
    held: frozenset[str] | None = None,
) -> bool:
    """Revoke a token of the org; False when there is no such live token.

    With ``held`` (the caller's scopes), another user's token is revoked only
    when its role is no stronger than the caller: otherwise anyone allowed to
    revoke tokens could lock the org's admins out. ``user_id`` is the caller.
    """
    record = session.get(AccessToken, token_id)
    if record is None or record.org_id != org_id or record.revoked_at is not None:
        return False
    if held is not None and record.user_id != user_id:
        granted = role_scopes(session, org_id, record.role_id)
        if not all(covers(held, scope) for scope in granted):
            raise StrongerRole(
                "the token's role holds scopes the caller lacks",
                "tokenID: the token is stronger than the caller",
            )
    record.revoked_at = utcnow()
    return True
