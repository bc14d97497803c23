"""Export scans' findings as SARIF 2.1.0 logs that code-scanning services accept.

GitHub code scanning refuses a file with more than 20 runs, a run with more
than 25,000 results or rules, a result with more than 10,000 thread-flow
locations or a rule with more than 20 tags, and a file over 10 MB gzipped.
The export splits results over several runs and several files to stay under
those limits; it never leaves a result out. Each result carries the finding's
``internal_id`` as a partial fingerprint, so importing the file back into
sordino finds the same findings; its message is the finding's title (then its
description), and its property bag what SARIF has no member for (type, tags,
details, see ``sordino.importers.sarif_sordino``), so that they come back too.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session

from sordino import __version__
from sordino.apps.models import App
from sordino.findings.models import Finding
from sordino.findings.serialize import extra_tags
from sordino.findings.tags import SCORE_TAGS, column_tags
from sordino.importers import sarif_sordino as own
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
# Tags the level and ``security-severity`` of a result already carry.
_CARRIED = SCORE_TAGS | {"severity"}
_INVENTORY = (
    "Dependency inventory: a package the app depends on",
    "Each result names one dependency declared in a manifest or lockfile; the "
    "advisories that affect a dependency are results of their own rules.",
)
_HEADLINE = 120
Tags = Mapping[int, dict[str, str]]


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
        location["message"] = {"text": own.escape(text)}
    return location


def _flow_location(step: dict[str, Any]) -> dict[str, Any]:
    """One dataflow step, its method as the message, the rest as properties."""
    method = str(step.get("method_name", ""))
    body: dict[str, Any] = {
        "location": _location(
            str(step.get("file_name", "")),
            _line(step.get("line_number", 0)),
            method,
        )
    }
    extra = {
        name: step[name] for name in (*own.STEP_TEXT, *own.STEP_TAGS) if step.get(name)
    }
    # The importer derives the short name from the method when it is not given.
    short = str(step.get("short_method_name", ""))
    if short == method.rsplit(".", 1)[-1]:
        extra.pop("short_method_name", None)
    else:
        extra["short_method_name"] = short
    if extra:
        body["properties"] = {own.STEP: extra}
    return body


def _code_flows(finding: Finding) -> list[dict[str, Any]]:
    steps = list(finding.dataflow)
    if not steps:
        return []
    if len(steps) > FLOW_STEPS:
        # Keep the source end and the sink; the middle is what a viewer drops.
        steps = steps[: FLOW_STEPS - 1] + steps[-1:]
    locations = [_flow_location(step) for step in steps]
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


def result(
    finding: Finding, index: int, tags: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One finding as a SARIF result referring to rule ``index`` of its run.

    ``tags`` are the finding's row-stored tags (those without a column).
    """
    properties: dict[str, Any] = {
        "security-severity": f"{finding.cvss_score:.1f}",
        "sordino-finding-id": str(finding.id),
        own.TYPE: finding.type,
        "sordino-status": finding.status or "unset",
        own.TAGS: _sordino_tags(finding, tags or {}),
    }
    if finding.details:
        properties[own.DETAILS] = finding.details
    body: dict[str, Any] = {
        "ruleId": rule_id(finding),
        "ruleIndex": index,
        "level": _LEVELS.get(finding.severity, "warning"),
        "message": {"text": own.escape(_message(finding))},
        "partialFingerprints": {SORDINO_FINGERPRINT: finding.internal_id},
        "properties": properties,
    }
    if finding.file:
        body["locations"] = [_location(finding.file, finding.line)]
    flows = _code_flows(finding)
    if flows:
        body["codeFlows"] = flows
    if finding.status == "ignored":
        body["suppressions"] = [{"kind": "external", "status": "accepted"}]
    return body


def _message(finding: Finding) -> str:
    """The finding's own title, then its description after a blank line."""
    if not finding.description:
        return finding.title
    return f"{finding.title}{own.TITLE_BREAK}{finding.description}"


def _sordino_tags(finding: Finding, rows: Mapping[str, str]) -> dict[str, str]:
    """The tags the API shows for the finding, but those the result carries."""
    shown = {tag["key"]: tag["value"] for tag in column_tags(finding)}
    return {k: v for k, v in {**shown, **rows}.items() if k not in _CARRIED}


def _rule(key: str, findings: list[Finding]) -> dict[str, Any]:
    """The rule ``key``: text that describes it, not one of its ``findings``."""
    first = findings[0]
    short, full = _rule_text(key, findings)
    body: dict[str, Any] = {
        "id": key,
        "name": key,
        "shortDescription": {"text": short},
    }
    if full:
        body["fullDescription"] = {"text": full}
    if first.remediation:
        # The importer takes the help as the findings' remediation.
        body["help"] = {"text": first.remediation}
    body["properties"] = {
        "security-severity": f"{first.cvss_score:.1f}",
        "tags": _tags(first),
    }
    return body


def _rule_text(key: str, findings: list[Finding]) -> tuple[str, str]:
    """Short and full descriptions of a rule, from what its findings share."""
    first = findings[0]
    if first.type == "package":
        return _INVENTORY
    if first.type == "oss_vuln":
        # An advisory's findings differ by package and version, not by text.
        headline = _headline(first.description)
        return (f"{key}: {headline}" if headline else key), first.description
    titles = {finding.title for finding in findings}
    if len(titles) == 1 and first.title:
        descriptions = {finding.description for finding in findings}
        return first.title, first.description if len(descriptions) == 1 else ""
    return (f"{first.category} ({key})" if first.category else key), ""


def _headline(text: str) -> str:
    """The first line of ``text``, cut at a word to a short description's length."""
    line = (text.strip().splitlines() or [""])[0]
    if len(line) <= _HEADLINE:
        return line
    return line[: _HEADLINE - 1].rsplit(" ", 1)[0] + "…"


def run(
    findings: list[Finding],
    scan: Scan,
    app: App,
    part: str,
    tags: Tags | None = None,
) -> dict[str, Any]:
    """A SARIF run holding ``findings`` and the rules they refer to.

    ``part`` is "" or ``part-<n>/`` when the scan is split over several runs;
    ``tags`` maps finding ids to their row-stored tags.
    """
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(rule_id(finding), []).append(finding)
    index = {key: i for i, key in enumerate(by_rule)}
    tags = tags or {}
    body: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": own.TOOL,
                "version": __version__,
                "rules": [_rule(key, members) for key, members in by_rule.items()],
            }
        },
        # SARIF's <category>/<run id>: the app (and part), then the scan.
        "automationDetails": {"id": f"sordino/{app.app_id}/{part}{scan.id}"},
        "results": [result(f, index[rule_id(f)], tags.get(f.id)) for f in findings],
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
    tags: Tags = field(default_factory=dict)  # of the scan's findings, by id

    def halves(self) -> list[_Chunk]:
        """The chunk split in two runs of the same scan."""
        half = len(self.findings) // 2
        return [
            _Chunk(self.scan, self.app, self.findings[:half], self.tags),
            _Chunk(self.scan, self.app, self.findings[half:], self.tags),
        ]

    def run(self, part: str) -> dict[str, Any]:
        """The chunk as a run, ``part`` naming it among the scan's runs."""
        return run(self.findings, self.scan, self.app, part, self.tags)


def _draft(group: list[_Chunk]) -> dict[str, Any]:
    return log_of([chunk.run("part-0/") for chunk in group])


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
        tags = _row_tags(session, found)
        cuts = [found[i : i + per_run] for i in range(0, len(found), per_run)]
        chunks += [_Chunk(scan, app, cut, tags) for cut in cuts or [[]]]
    return chunks


def _row_tags(session: Session, findings: list[Finding]) -> dict[int, dict[str, str]]:
    """The row-stored tags of ``findings``, by finding id."""
    rows = extra_tags(session, [finding.id for finding in findings])
    return {i: {tag["key"]: tag["value"] for tag in tags} for i, tags in rows.items()}


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
            runs.append(chunk.run("" if single else part))
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
