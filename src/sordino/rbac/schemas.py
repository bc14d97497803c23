"""Request bodies of the roles, users, teams and groups operations."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCOPE_PATTERN = re.compile(r"^\w+:\w+$|^\w+:\*$")


def _check_scopes(scopes: list[str]) -> list[str]:
    bad = [scope for scope in scopes if not SCOPE_PATTERN.match(scope)]
    if bad:
        raise ValueError(f"not of the form 'resource:action': {', '.join(bad)}")
    return scopes


def _trimmed(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    if not name:
        raise ValueError("must not be blank")
    return name


def _renamed(data: Any, aliases: dict[str, str]) -> Any:
    """``data`` with each alias key moved to its field name unless that is set."""
    if not isinstance(data, dict):
        return data
    result = dict(data)
    for alias, name in aliases.items():
        if alias in result:
            value = result.pop(alias)
            result.setdefault(name, value)
    return result


class RoleCreate(BaseModel):
    """A custom role to define."""

    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=2000)
    scopes: list[str] = Field(min_length=1)
    role_type: str = "organization"

    _scopes = field_validator("scopes")(_check_scopes)
    _name = field_validator("name")(_trimmed)

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
    _name = field_validator("name")(_trimmed)


class UserRoleUpdate(BaseModel):
    """A user's new org role, by alias or id."""

    org_role: str = Field(min_length=1, max_length=64)


class MemberSpec(BaseModel):
    """A user (by id or email) and the team role they hold."""

    user_id_v2: str | None = None
    email: str | None = None
    team_role: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        return _renamed(
            data, {"user_id": "user_id_v2", "id_v2": "user_id_v2", "role": "team_role"}
        )


class TeamCreate(BaseModel):
    """A new team with its first apps and members."""

    name: str = Field(min_length=1, max_length=255)
    applications: list[str] = Field(default_factory=list)
    team_membership: list[MemberSpec] = Field(default_factory=list)
    force_app_inclusion: bool = False

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        return _renamed(
            data,
            {"team_name": "name", "teamName": "name", "members": "team_membership"},
        )


# Strict: JSON ``true`` is not version 1, nor is the string "1".
Version = Annotated[int | None, Field(strict=True)]


class TeamChange(BaseModel):
    """Changes to a team's apps and members, against its current version."""

    version: Version = None
    add_applications: list[str] = Field(default_factory=list)
    remove_applications: list[str] = Field(default_factory=list)
    force_app_inclusion: bool = False
    add_team_membership: list[MemberSpec] = Field(default_factory=list)
    remove_team_membership: list[MemberSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _apps_once(self) -> TeamChange:
        both = sorted(set(self.add_applications) & set(self.remove_applications))
        if both:
            raise ValueError(f"apps both added and removed: {', '.join(both)}")
        return self


class TeamMetadata(BaseModel):
    """A team's new name, against its current version."""

    version: Version = None
    change_name: str | None = Field(default=None, min_length=1, max_length=255)


class TeamDelete(BaseModel):
    """The version of the team to delete."""

    version: Version = None


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
