"""Import SARIF 2.1.0 logs from any tool into a ScanBundle.

The log is streamed with ijson: each run's members other than ``results`` are
small and kept whole, while results are converted one at a time as they are
read, so memory grows with the findings kept, not with the size of the file.

A result can only be converted once the run members it refers to are known.
Writers put ``tool``, ``originalUriBaseIds`` and ``artifacts`` before
``results`` (the schema's order), but nothing guarantees it; so a result read
before its run's ``tool`` (or before ``threadFlowLocations`` or ``artifacts``
it indexes into) is buffered and converted when the run closes. Only such
results are buffered, and only for their own run. A path resolved before the
run's URI bases or invocations were seen is resolved again when the run closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import structlog

from sordino.analysis.fingerprint import disambiguate
from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import JsonEvents, event_type
from sordino.importers.sarif_context import CONTEXT_KEYS, RunContext
from sordino.importers.sarif_flows import needs_shared_locations
from sordino.importers.sarif_results import SECRET_KEYS, convert, locate
from sordino.importers.shape import JsonObject, obj, pointer
from sordino.ingest.bundle import FindingRecord, ScanBundle

log = structlog.get_logger(__name__)

SARIF_VERSION = "2.1.0"


def parse_sarif(stream: IO[bytes], *, app: str, root: str = "") -> ScanBundle:
    """Read a SARIF log; ``root`` is stripped from absolute file paths."""
    reader = _LogReader(JsonEvents(stream), root)
    reader.read()
    findings = _unique(reader.findings, reader.stats)
    log.info("sarif.parsed", app=app, findings=len(findings), tools=reader.tools)
    return ScanBundle(
        app=app,
        source="sarif",
        agent=", ".join(dict.fromkeys(reader.tools)),
        findings=findings,
        stats=reader.stats,
    )


def parse_sarif_path(path: str | Path, *, app: str, root: str = "") -> ScanBundle:
    """Read a SARIF log from a file."""
    with Path(path).open("rb") as stream:
        return parse_sarif(stream, app=app, root=root)


@dataclass
class _Pending:
    """A converted result whose path may change once its run is fully read."""

    finding: FindingRecord
    slim: JsonObject
    where: str


@dataclass
class _RunState:
    ctx: RunContext
    buffered: list[tuple[str, JsonObject]] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    findings: list[FindingRecord] = field(default_factory=list)


class _LogReader:
    """Walks the parse events of a SARIF log, run by run."""

    def __init__(self, events: JsonEvents, root: str) -> None:
        self.events = events
        self.root = root
        self.findings: list[FindingRecord] = []
        self.tools: list[str] = []
        self.stats: dict[str, Any] = {"runs": 0, "results": 0, "skipped": 0}

    def read(self) -> None:
        """Read the whole log, checking its version and that it has runs."""
        event, value = self.events.next()
        if event != "start_map":
            raise InvalidReportError(
                f"not a SARIF log: the document is {event_type(event)}, not an object",
                "/",
            )
        version: Any = None
        has_runs = False
        for key in self._keys():
            event, value = self.events.next()
            if key == "version":
                version = self.events.value(event, value)
            elif key == "runs":
                self._read_runs(event)
                has_runs = True
            else:
                self.events.skip(event)
        self.events.finish()
        _check_log(version, has_runs)

    def _keys(self) -> Any:
        while True:
            event, value = self.events.next()
            if event == "end_map":
                return
            yield value

    def _read_runs(self, event: str) -> None:
        if event != "start_array":
            raise InvalidReportError(
                f"expected an array, found {event_type(event)}", "/runs"
            )
        index = 0
        while True:
            event, _ = self.events.next()
            if event == "end_array":
                return
            where = pointer("/runs", index)
            if event != "start_map":
                raise InvalidReportError(
                    f"expected an object, found {event_type(event)}", where
                )
            self._read_run(_RunState(RunContext(where=where)))
            index += 1

    def _read_run(self, run: _RunState) -> None:
        for key in self._keys():
            event, value = self.events.next()
            if key in CONTEXT_KEYS:
                run.ctx.add(key, self.events.value(event, value))
            elif key == "results":
                self._read_results(run, event)
            else:
                self.events.skip(event)
        self._close_run(run)

    def _read_results(self, run: _RunState, event: str) -> None:
        where = pointer(run.ctx.where, "results")
        if event == "null":
            return
        if event != "start_array":
            raise InvalidReportError(
                f"expected an array, found {event_type(event)}", where
            )
        index = 0
        while True:
            event, value = self.events.next()
            if event == "end_array":
                return
            spot = f"{where}/{index}"  # an index needs no escaping
            result = obj(self.events.value(event, value), spot)
            if _must_wait(result, run.ctx):
                run.buffered.append((spot, result))
            else:
                self._convert(run, result, spot)
            index += 1

    def _convert(self, run: _RunState, result: JsonObject, where: str) -> None:
        self.stats["results"] += 1
        finding = convert(result, run.ctx, where, self.root)
        if finding is None:
            self.stats["skipped"] += 1
            return
        run.findings.append(finding)
        if not _settled(result, run.ctx):
            run.pending.append(_Pending(finding, _slim(result), where))

    def _close_run(self, run: _RunState) -> None:
        if "tool" not in run.ctx.seen:
            raise InvalidReportError("the run has no tool", run.ctx.where)
        for where, result in run.buffered:
            self._convert(run, result, where)
        for item in run.pending:
            locate(item.finding, item.slim, run.ctx, item.where, self.root)
        self.findings.extend(run.findings)
        self.tools.append(run.ctx.tool)
        self.stats["runs"] += 1


def _check_log(version: Any, has_runs: bool) -> None:
    if version != SARIF_VERSION:
        found = "no version" if version is None else f"version {version!r}"
        raise InvalidReportError(
            f"not a SARIF {SARIF_VERSION} log: it has {found}", "/version"
        )
    if not has_runs:
        raise InvalidReportError("not a SARIF log: it has no runs", "/runs")


def _must_wait(result: JsonObject, ctx: RunContext) -> bool:
    """True when the result refers to run members not read yet."""
    if "tool" not in ctx.seen:
        return True
    if "threadFlowLocations" not in ctx.seen and needs_shared_locations(result):
        return True
    return "artifacts" not in ctx.seen and _indexes_artifacts(result)


def _indexes_artifacts(result: JsonObject) -> bool:
    artifact = _primary_artifact(result)
    return "index" in artifact and "uri" not in artifact


def _settled(result: JsonObject, ctx: RunContext) -> bool:
    """False when the primary path might resolve differently later in the run."""
    artifact = _primary_artifact(result)
    if not artifact or {"originalUriBaseIds", "invocations"} <= ctx.seen:
        return True
    base = artifact.get("uriBaseId")
    return not isinstance(base, str) and ":" not in str(artifact.get("uri", ""))


def _primary_artifact(result: JsonObject) -> JsonObject:
    locations = result.get("locations")
    first = locations[0] if isinstance(locations, list) and locations else None
    physical = first.get("physicalLocation") if isinstance(first, dict) else None
    artifact = physical.get("artifactLocation") if isinstance(physical, dict) else None
    return artifact if isinstance(artifact, dict) else {}


def _slim(result: JsonObject) -> JsonObject:
    """What re-locating a finding needs from its result, and nothing more."""
    keep = ("locations", "fingerprints", "partialFingerprints", "analysisTarget")
    slim = {key: result[key] for key in keep if key in result}
    if isinstance(slim.get("locations"), list):
        slim["locations"] = slim["locations"][:1]
    props = result.get("properties")
    if isinstance(props, dict):
        slim["properties"] = {k: props[k] for k in SECRET_KEYS if k in props}
    return slim


def _unique(
    findings: list[FindingRecord], stats: dict[str, Any]
) -> list[FindingRecord]:
    """Drop repeats of the same result; number same-print results on other lines."""
    seen: set[tuple[str, str, int]] = set()
    kept: list[FindingRecord] = []
    for finding in findings:
        if finding.fingerprint is not None:
            key = (finding.fingerprint, finding.file, finding.line)
            if key in seen:
                continue
            seen.add(key)
        kept.append(finding)
    stats["duplicates"] = len(findings) - len(kept)
    printed = [f for f in kept if f.fingerprint is not None]
    for finding, unique in zip(
        printed, disambiguate(f.fingerprint or "" for f in printed), strict=True
    ):
        finding.fingerprint = unique
    return kept
