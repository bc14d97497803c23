"""Orgs: bootstrap of the first org and the org configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sordino.common import deep_merge
from sordino.orgs.models import Org
from sordino.orgs.schemas import AnalysisConfiguration, OrgConfiguration
from sordino.rbac import builtin
from sordino.rbac.models import User
from sordino.tokens import service as tokens

DEFAULTS: dict[str, Any] = {
    "sso_name": "",
    "default_saml_config": "",
    "allowed_non_admin_auth_providers": [],
    "security_training_provider": "",
    "analysis_configuration": {"secrets": {"disable": False, "entropy": 0}},
    "autofix_configuration": {"enabled": False},
    "session_timeout_hours": 24,
}


@dataclass(frozen=True)
class Bootstrap:
    """What ``sordino init`` created."""

    org: Org
    user: User
    token: tokens.IssuedToken


def lock(session: Session, org_id: str) -> None:
    """Hold the org's row until commit, so that such holders run one at a time.

    PostgreSQL takes a row lock. SQLite has one writer at a time, but a
    transaction becomes the writer only at its first write: what it read
    before may change under it. An update that changes nothing makes it the
    writer here, once the previous writer committed, so what it reads from now
    on stays current until it commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Org.id).where(Org.id == org_id).with_for_update())
    else:
        session.execute(
            update(Org).where(Org.id == org_id).values(name=Org.name),
            execution_options={"synchronize_session": False},
        )


def first_org(session: Session) -> Org | None:
    """The oldest org, if any exists."""
    return session.scalar(select(Org).order_by(Org.created_at).limit(1))


def create(
    session: Session, *, name: str, email: str, key: str, issuer: str
) -> Bootstrap:
    """Create an org with a Super Admin user and a token for that user."""
    org = Org(name=name, configuration={})
    session.add(org)
    session.flush()
    user = User(
        org_id=org.id, email=email, name=email, org_role_id=builtin.SUPER_ADMIN.id
    )
    session.add(user)
    session.flush()
    token = tokens.create(
        session,
        org_id=org.id,
        user_id=user.id,
        role_id=builtin.SUPER_ADMIN.id,
        scopes=sorted(builtin.SUPER_ADMIN.scopes),
        key=key,
        issuer=issuer,
        label="created by sordino init",
    )
    return Bootstrap(org, user, token)


def configuration(org: Org) -> dict[str, Any]:
    """The org configuration with defaults filled in."""
    return deep_merge(DEFAULTS, org.configuration)


def replace_configuration(org: Org, body: OrgConfiguration) -> dict[str, Any]:
    """Replace the stored configuration with exactly the body's fields."""
    org.configuration = body.model_dump(exclude_none=True)
    return configuration(org)


def merge_configuration(org: Org, body: OrgConfiguration) -> dict[str, Any]:
    """Merge the body's fields into the stored configuration."""
    org.configuration = deep_merge(
        org.configuration, body.model_dump(exclude_none=True)
    )
    return configuration(org)


def set_analysis(
    org: Org, body: AnalysisConfiguration, *, merge: bool
) -> dict[str, Any]:
    """Replace or merge the analysis part of the configuration."""
    current = org.configuration.get("analysis_configuration", {}) if merge else {}
    analysis = deep_merge(current, body.model_dump(exclude_none=True))
    org.configuration = {**org.configuration, "analysis_configuration": analysis}
    return dict(configuration(org)["analysis_configuration"])
