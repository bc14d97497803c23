"""Bodies of check-analysis requests and policy files (rules of version 2)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sordino.ingest.bundle import FindingType, Severity

# Tag keys whose values form a closed set: a misspelt value there would match
# nothing and let every build pass, so it is refused instead.
_CLOSED_TAGS: dict[str, frozenset[str]] = {
    "severity": frozenset([*get_args(Severity), "moderate", "info"]),
    "type": frozenset(get_args(FindingType)),
    "finding_type": frozenset(get_args(FindingType)),
    "status": frozenset(["unset", "fixed", "ignored", "3rdparty"]),
}


class CheckMeta(BaseModel):
    """How the check runs: on all findings of the target or only on new ones."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    kind: Literal["single", "diff"] = "diff"
    num_findings: int = Field(default=5, ge=0, le=100)
    send_to_jira: bool = Field(default=False, alias="send-to-jira")


class ScanSelector(BaseModel):
    """A scan chosen by branch, by id or by scan tag."""

    model_config = ConfigDict(extra="forbid")

    branch: str | None = None
    scan: int | None = Field(default=None, ge=1)
    tag: str | None = Field(default=None, description="key=value", pattern=r"^[^=]+=")

    @model_validator(mode="after")
    def _one_way(self) -> ScanSelector:
        chosen = [v for v in (self.branch, self.scan, self.tag) if v is not None]
        if len(chosen) > 1:
            raise ValueError("give only one of branch, scan or tag")
        return self


class CheckRule(BaseModel):
    """One rule: findings matching every tag filter, allowed up to ``threshold``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    tags: dict[str, list[str]] = Field(default_factory=dict)
    threshold: int | None = Field(default=None, ge=0)
    num_findings: int | None = Field(default=None, ge=0, le=100)
    reachable: bool | None = None

    @field_validator("tags")
    @classmethod
    def _known_values(cls, tags: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in tags.items():
            allowed = _CLOSED_TAGS.get(key)
            unknown = sorted(set(values) - allowed) if allowed else []
            if unknown:
                raise ValueError(
                    f"unknown {key} {', '.join(map(repr, unknown))}: "
                    f"use {', '.join(sorted(allowed or ()))}"
                )
            if not values:
                raise ValueError(f"tag {key!r} lists no values")
        return tags


class CheckConfig(BaseModel):
    """A check request body, also the content of a policy file."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[2]
    meta: CheckMeta = Field(default_factory=CheckMeta)
    source: ScanSelector | None = None
    target: ScanSelector | None = None
    rules: list[CheckRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CheckConfig:
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


class CheckRequest(CheckConfig):
    """The body of ``POST .../scans/check``: ``meta`` is required there."""

    meta: CheckMeta


DEFAULT_CONFIG = CheckConfig(
    version=2,
    meta=CheckMeta(kind="diff"),
    rules=[
        CheckRule(id="no-new-critical", tags={"severity": ["critical"]}, threshold=0)
    ],
)
