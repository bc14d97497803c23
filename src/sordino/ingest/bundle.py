"""The ScanBundle: the one format every source of findings converts to.

sordino's own analyzers, the SARIF importer and the CycloneDX importer all
produce a ``ScanBundle``; the ingest service is the only thing that reads one.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sordino.apps.models import App
from sordino.common import text_problem
from sordino.db import max_length
from sordino.scans.models import Scan, ScanTag

BUNDLE_SCHEMA_VERSION = 1
# Lines are INTEGER columns (findings.line, occurrences.line): 32 bits in
# PostgreSQL, where SQLite would take 64.
LINE_MAX = 2**31 - 1
Line = Annotated[int, Field(ge=0, le=LINE_MAX)]
Score = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]

Severity = Literal["critical", "high", "medium", "low"]
FindingType = Literal[
    "vuln", "secret", "extscan", "oss_vuln", "package", "container", "insight"
]


def valid_score(value: Any) -> float | None:
    """``value`` as a CVSS base score if it is one: a finite number from 0 to 10.

    Booleans are not numbers here; numeric strings ("7.5") are.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        score = float(value)
    except (ValueError, OverflowError):
        return None
    return score if math.isfinite(score) and 0.0 <= score <= 10.0 else None


def severity_for_score(score: float) -> Severity:
    """The CVSS 3.1 qualitative rating of a base score, as a sordino severity."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


class DataflowStep(BaseModel):
    """One step of a source-to-sink flow; the last step is the sink."""

    model_config = ConfigDict(extra="forbid")

    file_name: str = ""
    line_number: Line = 0
    method_name: str = ""
    short_method_name: str = ""
    class_name: str = ""
    code: str = ""
    method_tags: list[dict[str, str]] = Field(default_factory=list)
    parameter_tags: list[dict[str, str]] = Field(default_factory=list)


class FindingRecord(BaseModel):
    """A finding as an analyzer or importer reports it, before identity."""

    model_config = ConfigDict(extra="forbid")

    type: FindingType = "vuln"
    rule_id: str
    title: str
    description: str = ""
    severity: Severity = "medium"
    cvss_score: Score | None = None
    category: str = ""
    cwe: list[int] = Field(default_factory=list)
    owasp_2017: str = ""
    owasp_2021: str = ""
    language: str = ""
    file: str = ""
    line: Line = 0
    end_line: Line = 0
    snippet: str = ""
    fingerprint: str | None = None
    source_method: str = ""
    sink_method: str = ""
    dataflow: list[DataflowStep] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    remediation: str = ""
    fixes: list[dict[str, Any]] = Field(default_factory=list)
    suppressed: bool = False
    reachable: bool | None = None
    engine: str = ""


class PackageRecord(BaseModel):
    """A dependency found in a manifest or lockfile, named by its purl."""

    model_config = ConfigDict(extra="forbid")

    purl: str
    type: str = ""
    namespace: str = ""
    name: str
    version: str = ""
    license: str = ""
    direct: bool = True
    location: str = ""


class EngineFailure(BaseModel):
    """An engine that could not give a result, and why."""

    model_config = ConfigDict(extra="forbid")

    engine: str
    reason: Literal["missing", "crashed", "timeout", "unsupported", "no_data"]
    message: str = ""
    # An optional engine (checkov) is used only when installed: its absence is
    # reported but leaves the scan successful.
    optional: bool = False

    @property
    def fatal(self) -> bool:
        """Whether the analysis missed something it should have done."""
        if self.reason in NON_FATAL:
            return False
        return not (self.reason == "missing" and self.optional)


NON_FATAL = frozenset({"unsupported", "no_data"})


def analysis_succeeded(failures: list[EngineFailure]) -> bool:
    """Whether every engine ran: a missing advisory database is reported, not fatal."""
    return not any(failure.fatal for failure in failures)


def _stored_as(limit: int) -> AfterValidator:
    """A check that a string fits a column of ``limit`` characters in any database."""

    def check(value: str) -> str:
        problem = text_problem(value, limit)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


# What names the scan: refused, not altered, when a database cannot store it.
AppName = Annotated[str, _stored_as(max_length(App.name))]
Version = Annotated[str, _stored_as(max_length(Scan.version))]
Branch = Annotated[str, _stored_as(max_length(Scan.branch))]
TagKey = Annotated[str, _stored_as(max_length(ScanTag.key))]
TagValue = Annotated[str, _stored_as(max_length(ScanTag.value))]


class ScanBundle(BaseModel):
    """Everything one scan produced, ready for ingest.

    The scan's names (version, branch, tags, app name) are checked to fit their
    columns; the findings' and packages' text is fitted by ingest instead.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    app: str
    app_name: AppName = ""
    version: Version = ""
    branch: Branch = ""
    tags: dict[TagKey, TagValue] = Field(default_factory=dict)
    language: str = ""
    languages: list[str] = Field(default_factory=list)
    platform: str = ""
    source: str = "sordino"
    agent: str = ""
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    failures: list[EngineFailure] = Field(default_factory=list)
    stats: dict[str, Any] = Field(default_factory=dict)
    findings: list[FindingRecord] = Field(default_factory=list)
    packages: list[PackageRecord] = Field(default_factory=list)
    # Per language, the modules the code imports and the symbols it uses
    # ({"go": {"imports": [...], "symbols": [...]}}): the evidence the server
    # needs to decide reachability without the source. Empty means unknown.
    usage: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
