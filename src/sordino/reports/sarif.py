"""Export scans' findings as SARIF 2.1.0 logs that code-scanning services accept.

GitHub code scanning refuses a file with more than 20 runs, a run with more
than 25,000 results or rules, a result with more than 10,000 thread-flow
locations or a rule with more than 20 tags, and a file over 10 MB gzipped.
The export splits results over several runs and several files to stay under
those limits; it never leaves a result out. Each result carries the finding's
``internal_id`` as a partial fingerprint, so importing the file back into
sordino finds the same findings.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.orm import Session

from sordino import __version__
from sordino.apps.models import App
from sordino.findings.models import Finding
from sordino.importers.sarif_results import SORDINO_FINGERPRINT
from sordino.scans.models import Scan
from sordino.scans.service import findings_of

log = structlog.get_logger()

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
RESULTS_PER_RUN = 25_000
RUNS_PER_FILE = 20
GZIP_BYTES = 10 * 1024 * 1024
FLOW_STEPS = 10_000
TAGS_PER_RULE = 20
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


@dataclass(frozen=True)
class Limits:
    """How much one run and one file may hold."""

    results_per_run: int = RESULTS_PER_RUN
    runs_per_file: int = RUNS_PER_FILE
    gzip_bytes: int = GZIP_BYTES


def _location(path: str, line: int, text: str = "") -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path or "unknown"}}
    if line >= 1:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if text:
        location["message"] = {"text": text}
    return location


def _code_flows(finding: Finding) -> list[dict[str, Any]]:
    steps = list(finding.dataflow)
    if not steps:
        return []
    if len(steps) > FLOW_STEPS:
        # Keep the source end and the sink; the middle is what a viewer drops.
        steps = steps[: FLOW_STEPS - 1] + steps[-1:]
    locations = [
        {
            "location": _location(
                str(step.get("file_name", "")),
                _line(step.get("line_number", 0)),
                str(step.get("method_name", "")),
            )
        }
        for step in steps
    ]
    return [{"threadFlows": [{"locations": locations}]}]


def _line(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def rule_id(finding: Finding) -> str:
    """The rule a finding came from (its fingerprint's prefix when unknown)."""
    return finding.rule_id or finding.internal_id.rsplit("/", 1)[0]


def _tags(finding: Finding) -> list[str]:
    tags = ["security"]
    if finding.cwe:
        tags.append(f"external/cwe/cwe-{finding.cwe}")
    if finding.category:
        tags.append(finding.category)
    return tags[:TAGS_PER_RULE]


def result(finding: Finding, index: int) -> dict[str, Any]:
    """One finding as a SARIF result referring to rule ``index`` of its run."""
    body: dict[str, Any] = {
        "ruleId": rule_id(finding),
        "ruleIndex": index,
        "level": _LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.description or finding.title},
        "partialFingerprints": {SORDINO_FINGERPRINT: finding.internal_id},
        "properties": {
            "security-severity": f"{finding.cvss_score:.1f}",
            "sordino-finding-id": str(finding.id),
            "sordino-type": finding.type,
            "sordino-status": finding.status or "unset",
        },
    }
    if finding.file:
        body["locations"] = [_location(finding.file, finding.line)]
    flows = _code_flows(finding)
    if flows:
        body["codeFlows"] = flows
    if finding.status == "ignored":
        body["suppressions"] = [{"kind": "external", "status": "accepted"}]
    return body


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": rule_id(finding),
        "name": rule_id(finding),
        "shortDescription": {"text": finding.title or rule_id(finding)},
        "help": {"text": finding.remediation or finding.description or finding.title},
        "properties": {
            "security-severity": f"{finding.cvss_score:.1f}",
            "tags": _tags(finding),
        },
    }


def run(findings: list[Finding], scan: Scan, app: App, part: str) -> dict[str, Any]:
    """A SARIF run holding ``findings`` and the rules they refer to."""
    rules: dict[str, int] = {}
    rule_bodies: list[dict[str, Any]] = []
    results = []
    for finding in findings:
        key = rule_id(finding)
        if key not in rules:
            rules[key] = len(rule_bodies)
            rule_bodies.append(_rule(finding))
        results.append(result(finding, rules[key]))
    body: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sordino",
                "version": __version__,
                "rules": rule_bodies,
            }
        },
        "automationDetails": {"id": f"sordino/{app.app_id}/{part}"},
        "results": results,
    }
    provenance = _provenance(scan)
    if provenance:
        body["versionControlProvenance"] = provenance
    return body


def _provenance(scan: Scan) -> list[dict[str, Any]]:
    repository = scan.tags.get("repository", "")
    if not repository:
        return []
    entry: dict[str, Any] = {"repositoryUri": repository}
    if scan.version:
        entry["revisionId"] = scan.version
    if scan.branch:
        entry["branch"] = scan.branch
    return [entry]


def log_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF log document holding ``runs``."""
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


def gzip_size(document: dict[str, Any]) -> int:
    """The size of the document serialized as compact JSON and gzipped."""
    raw = json.dumps(document, separators=(",", ":")).encode()
    return len(gzip.compress(raw, compresslevel=6))


@dataclass(frozen=True)
class _Chunk:
    """Findings of one scan that go into one run."""

    scan: Scan
    app: App
    findings: list[Finding]

    def halves(self) -> list[_Chunk]:
        """The chunk split in two runs of the same scan."""
        half = len(self.findings) // 2
        return [
            _Chunk(self.scan, self.app, self.findings[:half]),
            _Chunk(self.scan, self.app, self.findings[half:]),
        ]


def _draft(group: list[_Chunk]) -> dict[str, Any]:
    return log_of([run(c.findings, c.scan, c.app, "part-0/") for c in group])


def _fit(chunks: list[_Chunk], limits: Limits) -> list[list[_Chunk]]:
    """Group runs into files, halving files and runs until each file fits."""
    files: list[list[_Chunk]] = []
    pending = [
        chunks[i : i + limits.runs_per_file]
        for i in range(0, len(chunks), limits.runs_per_file)
    ]
    while pending:
        group = pending.pop(0)
        if gzip_size(_draft(group)) <= limits.gzip_bytes:
            files.append(group)
        elif len(group) > 1:
            half = len(group) // 2
            pending[:0] = [group[:half], group[half:]]
        elif len(group[0].findings) > 1:
            pending[:0] = [[part] for part in group[0].halves()]
        else:
            raise ValueError("one finding alone is larger than the SARIF size limit")
    return files


def _chunks(
    session: Session, scans: Sequence[tuple[Scan, App]], per_run: int
) -> list[_Chunk]:
    """Each scan's findings cut into runs of at most ``per_run`` (one at least)."""
    chunks = []
    for scan, app in scans:
        found = [seen.finding for seen in findings_of(session, scan.id)]
        cuts = [found[i : i + per_run] for i in range(0, len(found), per_run)]
        chunks += [_Chunk(scan, app, cut) for cut in cuts or [[]]]
    return chunks


def _documents(files: list[list[_Chunk]]) -> list[dict[str, Any]]:
    """The logs, numbering the runs of a scan only when it has more than one."""
    runs_of = Counter(chunk.scan.id for group in files for chunk in group)
    numbers: Counter[int] = Counter()
    documents = []
    for group in files:
        runs = []
        for chunk in group:
            numbers[chunk.scan.id] += 1
            part = f"part-{numbers[chunk.scan.id]}/"
            single = runs_of[chunk.scan.id] == 1
            runs.append(
                run(chunk.findings, chunk.scan, chunk.app, "" if single else part)
            )
        documents.append(log_of(runs))
    return documents


def export_scans(
    session: Session,
    scans: Sequence[tuple[Scan, App]],
    limits: Limits | None = None,
) -> list[dict[str, Any]]:
    """Several scans as SARIF logs: one run per scan, split to stay in the limits.

    A polyglot scan exports this way, one member scan per run; a scan whose
    findings do not fit one run or one file is split exactly as a lone scan is.
    """
    limits = limits or Limits()
    chunks = _chunks(session, scans, limits.results_per_run)
    documents = _documents(_fit(chunks, limits)) if chunks else [log_of([])]
    log.info(
        "sarif.exported",
        scans=[scan.id for scan, _ in scans],
        results=sum(len(chunk.findings) for chunk in chunks),
        files=len(documents),
    )
    return documents


def export_scan(
    session: Session, scan: Scan, limits: Limits | None = None
) -> list[dict[str, Any]]:
    """The scan's findings as one or more SARIF logs, each within the limits."""
    app = session.get(App, scan.app_pk)
    if app is None:
        raise ValueError(f"scan {scan.id} has no app")
    return export_scans(session, [(scan, app)], limits)
