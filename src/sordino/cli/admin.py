"""Administrative actions run directly on the database."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.config import get_settings
from sordino.db import Database
from sordino.orgs import service as orgs
from sordino.rbac import builtin
from sordino.rbac import service as rbac
from sordino.rbac.access import role_scopes
from sordino.rbac.models import User
from sordino.tokens import service as tokens


def create_token(
    db: Database, role: str, label: str, valid_for: int | None, email: str | None
) -> str:
    """Issue a token and return its value.

    This runs with the database's own rights, so it may issue a token to any
    user; the role must still be one the API would give that user.
    """
    settings = get_settings()
    with db.session() as session:
        org = orgs.first_org(session)
        if org is None:
            raise typer.BadParameter("no org yet: run 'sordino init' first")
        user = _token_user(session, org.id, email)
        held = role_scopes(session, org.id, user.org_role_id)
        try:
            role_id, scopes = tokens.allowed_role(session, org.id, role, held)
        except tokens.UnknownRole as exc:
            raise typer.BadParameter(f"unknown role {role!r}") from exc
        except tokens.StrongerRole as exc:
            raise typer.BadParameter(
                f"role {role!r} grants more than the org role of {user.email} holds"
            ) from exc
        except tokens.RoleError as exc:
            raise typer.BadParameter(
                f"{exc.problem}: a token needs an org role"
            ) from exc
        issued = tokens.create(
            session,
            org_id=org.id,
            user_id=user.id,
            role_id=role_id,
            scopes=sorted(scopes),
            key=settings.signing_key(),
            issuer=settings.issuer,
            label=label,
            valid_for_seconds=valid_for,
        )
        return f"id:    {issued.record.id}\ntoken: {issued.value}"


def _token_user(session: Session, org_id: str, email: str | None) -> User:
    """The user named by ``email`` (in any case), or else the first Super Admin."""
    if email:
        user = rbac.get_user_by_email(session, org_id, email)
    else:
        query = select(User).where(
            User.org_id == org_id, User.org_role_id == builtin.SUPER_ADMIN.id
        )
        user = session.scalars(query.order_by(User.created_at, User.id)).first()
    if user is None:
        raise typer.BadParameter(f"no user {email or '(admin)'} in org {org_id}")
    return user


def revoke_token(db: Database, token_id: str) -> bool:
    """Revoke a token of the first org."""
    with db.session() as session:
        org = orgs.first_org(session)
        return org is not None and tokens.revoke(session, org.id, token_id)
