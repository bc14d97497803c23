"""Bodies of the org configuration operations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OrgConfiguration(BaseModel):
    """The org-wide configuration; PUT replaces it, PATCH merges into it."""

    model_config = ConfigDict(extra="forbid")

    sso_name: str | None = None
    default_saml_config: str | None = None
    allowed_non_admin_auth_providers: list[str] | None = None
    security_training_provider: str | None = None
    analysis_configuration: dict[str, Any] | None = None
    autofix_configuration: dict[str, Any] | None = None
    session_timeout_hours: int | None = Field(default=None, ge=1, le=24 * 365)


class AnalysisConfiguration(BaseModel):
    """The org's analysis configuration (secrets detection settings)."""

    model_config = ConfigDict(extra="forbid")

    secrets: dict[str, Any] | None = None
