"""Administrative actions run directly on the database."""

from __future__ import annotations

import typer
from sqlalchemy import select

from sordino.config import get_settings
from sordino.db import Database
from sordino.orgs import service as orgs
from sordino.rbac import builtin
from sordino.rbac.access import role_scopes
from sordino.rbac.models import User
from sordino.tokens import service as tokens


def create_token(
    db: Database, role: str, label: str, valid_for: int | None, email: str | None
) -> str:
    """Issue a token and return its value."""
    settings = get_settings()
    with db.session() as session:
        org = orgs.first_org(session)
        if org is None:
            raise typer.BadParameter("no org yet: run 'sordino init' first")
        query = select(User).where(User.org_id == org.id)
        if email:
            query = query.where(User.email == email)
        else:
            query = query.where(User.org_role_id == builtin.SUPER_ADMIN.id)
        user = session.scalars(query).first()
        if user is None:
            raise typer.BadParameter(f"no user {email or '(admin)'} in org {org.id}")
        found = builtin.get(role)
        role_id = found.id if found else role
        scopes = role_scopes(session, org.id, role_id)
        if not scopes:
            raise typer.BadParameter(f"unknown role {role!r}")
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


def revoke_token(db: Database, token_id: str) -> bool:
    """Revoke a token of the first org."""
    with db.session() as session:
        org = orgs.first_org(session)
        return org is not None and tokens.revoke(session, org.id, token_id)
