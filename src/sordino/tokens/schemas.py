"""Bodies of the token operations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenCreate(BaseModel):
    """A token to issue.

    Unknown fields are refused: a misspelt ``valid_for_seconds`` would
    otherwise issue a token that never expires.
    """

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=2000)
    role_id: str = Field(min_length=1, max_length=64)
    token_type: Literal["access", "integration"] = "access"  # noqa: S105
    # Strict: JSON ``true`` is not one second.
    valid_for_seconds: int | None = Field(
        default=None, ge=1, le=10 * 365 * 86400, strict=True
    )
