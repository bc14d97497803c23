"""Request and response bodies for apps, app groups and labels."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sordino.common import APP_ID_PATTERN


class AppCreate(BaseModel):
    """One app to provision."""

    id: str = Field(min_length=1, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    team_id: str | None = None
    base_branch: str | None = Field(default=None, max_length=255)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not APP_ID_PATTERN.match(value):
            raise ValueError(
                "must start and end with a letter or digit and contain only "
                "letters, digits, '_', ':', '.' and '-'"
            )
        return value


class AppConfiguration(BaseModel):
    """An app's own configuration."""

    model_config = ConfigDict(extra="forbid")

    default_branch: str | None = None
    analysis_configuration: dict[str, Any] | None = None


class DefaultBranchUpdate(BaseModel):
    """A new default branch."""

    default_branch: str = Field(min_length=1, max_length=255)


class LabelsUpdate(BaseModel):
    """Labels to add, remove or clear."""

    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    clear: bool = False


class AppGroupUpdate(BaseModel):
    """Changes to an app group (created when it does not exist)."""

    rename: str | None = Field(default=None, min_length=1, max_length=255)
    add_app_ids: list[str] = Field(default_factory=list)
    remove_app_ids: list[str] = Field(default_factory=list)
