"""Request bodies of the compound routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CompoundUpdate(BaseModel):
    """Body of the archive toggle."""

    model_config = ConfigDict(extra="ignore")

    is_archived: bool
