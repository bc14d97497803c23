"""Request bodies of the SCA routes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PackageInfoQuery(BaseModel):
    """The purls whose advisories and licences are wanted."""

    purls: list[str] = Field(default_factory=list)
