"""Request bodies of the roles, users, teams and groups operations."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

SCOPE_PATTERN = re.compile(r"^\w+:\w+$|^\w+:\*$")


def _check_scopes(scopes: list[str]) -> list[str]:
    bad = [scope for scope in scopes if not SCOPE_PATTERN.match(scope)]
    if bad:
        raise ValueError(f"not of the form 'resource:action': {', '.join(bad)}")
    return scopes


class RoleCreate(BaseModel):
    """A custom role to define."""

    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=2000)
    scopes: list[str] = Field(min_length=1)
    role_type: str = "organization"

    _scopes = field_validator("scopes")(_check_scopes)

    @field_validator("role_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value == "qwiet":
            raise ValueError("'qwiet' is reserved for the built-in roles")
        if value not in ("team", "organization"):
            raise ValueError("must be 'team' or 'organization'")
        return value


class RoleUpdate(BaseModel):
    """New name, description and scopes of a custom role."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=2000)
    scopes: list[str] = Field(min_length=1)

    _scopes = field_validator("scopes")(_check_scopes)


class UserRoleUpdate(BaseModel):
    """A user's new org role, by alias or id."""

    org_role: str = Field(min_length=1, max_length=64)


class MemberSpec(BaseModel):
    """A user (by id or email) and the team role they hold."""

    user_id_v2: str | None = Field(
        default=None, validation_alias=AliasChoices("user_id_v2", "user_id", "id_v2")
    )
    email: str | None = None
    team_role: str | None = Field(
        default=None, validation_alias=AliasChoices("team_role", "role")
    )


class TeamCreate(BaseModel):
    """A new team with its first apps and members."""

    name: str = Field(
        min_length=1,
        max_length=255,
        validation_alias=AliasChoices("name", "team_name", "teamName"),
    )
    applications: list[str] = Field(default_factory=list)
    team_membership: list[MemberSpec] = Field(
        default_factory=list,
        validation_alias=AliasChoices("team_membership", "members"),
    )
    force_app_inclusion: bool = False


class TeamChange(BaseModel):
    """Changes to a team's apps and members, against its current version."""

    version: int | None = None
    add_applications: list[str] = Field(default_factory=list)
    remove_applications: list[str] = Field(default_factory=list)
    force_app_inclusion: bool = False
    add_team_membership: list[MemberSpec] = Field(default_factory=list)
    remove_team_membership: list[MemberSpec] = Field(default_factory=list)


class TeamMetadata(BaseModel):
    """A team's new name, against its current version."""

    version: int | None = None
    change_name: str | None = Field(default=None, min_length=1, max_length=255)


class TeamDelete(BaseModel):
    """The version of the team to delete."""

    version: int | None = None


class GroupRole(BaseModel):
    """A group and the team role its members get."""

    group_id: str
    team_role: str | None = None


class TeamGroupsUpdate(BaseModel):
    """Groups to attach to a team (or whose team role to change)."""

    group_ids: list[GroupRole]


class GroupRoleUpdate(BaseModel):
    """The team role a group's members get."""

    team_role: str | None = None


class TeamConfiguration(BaseModel):
    """A team's own configuration."""

    model_config = ConfigDict(extra="forbid")

    analysis_configuration: dict[str, Any] | None = None
