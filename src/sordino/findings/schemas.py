"""Typed findings queries and the bodies of triage requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Diff = Literal["new", "regression", "common", "fixed"]
# Finding ids are 64-bit; a larger number can name no finding and would
# overflow the database driver.
FindingId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class ScanRef:
    """A scan named by id (``scan.<id>``) or by scan tags (``tag.<k>=<v>``)."""

    scan_id: int | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FindingQuery:
    """Every filter, sort and paging choice of a findings listing."""

    types: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    scan_tags: tuple[tuple[str, str], ...] = ()
    finding_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    assignees: tuple[str, ...] = ()
    assignment: Literal["assigned", "unassigned"] | None = None
    categories: tuple[str, ...] = ()
    details_tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("",)
    search: tuple[str, ...] = ()
    sort: str = "id"
    order: Order = "desc"
    only_counts: bool = False
    page: int = 1
    per_page: int = 50
    version: str | None = None
    scan_id: int | None = None
    source: ScanRef | None = None
    diff: Diff | None = None
    exclude: tuple[str, ...] = ()
    include_dataflows: bool = False


class StatusUpdate(BaseModel):
    """Body of a single finding's status change."""

    model_config = ConfigDict(extra="ignore")

    status: str = Field(default="", max_length=64)
    optional_comment: str = Field(default="", max_length=65536)


class BulkStatusUpdate(StatusUpdate):
    """Body of a status change on several findings."""

    findings: list[FindingId] = Field(min_length=1)


class AssignmentUpdate(BaseModel):
    """Body of a single finding's assignee change."""

    model_config = ConfigDict(extra="ignore")

    assignee: str = Field(default="", max_length=255)


class BulkAssignmentUpdate(AssignmentUpdate):
    """Body of an assignee change on several findings."""

    findings: list[FindingId] = Field(min_length=1)


class CommentCreate(BaseModel):
    """Body of a new comment on a finding."""

    model_config = ConfigDict(extra="ignore")

    comment: str = Field(min_length=1, max_length=65536)
