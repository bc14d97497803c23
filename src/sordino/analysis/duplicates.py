"""One finding per issue when several engines report it.

Two engines often flag the same code: sordino's semgrep rules and bandit both
see an unsafe ``pickle.loads``; the secrets engine and bandit both see a
hard-coded password. The runner keeps one finding (the one with a dataflow,
then the preferred engine) and records the others in its ``details``. The kept
finding is chosen the same way on every run, so fingerprints stay stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sordino.analysis import taxonomy
from sordino.ingest.bundle import FindingRecord

# Engines whose findings repeat those of a more precise engine, and the
# engines they repeat, most preferred first.
REPEATS: dict[str, tuple[str, ...]] = {"bandit": ("semgrep", "secrets")}


def dedupe_secrets(findings: list[FindingRecord]) -> list[FindingRecord]:
    """Drop secrets another engine reported on a line the secrets engine covers."""
    covered = {
        (f.file, f.line)
        for f in findings
        if f.type == "secret" and f.engine == "secrets"
    }
    return [
        f
        for f in findings
        if f.type != "secret"
        or f.engine == "secrets"
        or (f.file, f.line) not in covered
    ]


def lines(finding: FindingRecord) -> set[int]:
    """The lines a finding is about: its own and its dataflow's in its file."""
    own = set(range(finding.line, max(finding.end_line, finding.line) + 1))
    steps = {
        step.line_number
        for step in finding.dataflow
        if step.file_name == finding.file and step.line_number
    }
    return own | steps


def _cwes_agree(a: FindingRecord, b: FindingRecord) -> bool:
    """The same CWE, or CWEs the taxonomy files under the shared category.

    The category alone is too coarse: debug mode and binding to every
    interface are both Security Misconfiguration, on the same line, yet are
    two issues.
    """
    if set(a.cwe) & set(b.cwe):
        return True

    def placed(finding: FindingRecord) -> bool:
        return any(
            getattr(taxonomy.for_cwe(cwe), "name", None) == finding.category
            for cwe in finding.cwe
        )

    return placed(a) and placed(b)


def same_issue(kept: FindingRecord, other: FindingRecord) -> bool:
    """Whether two findings report one issue: file, category, CWE and lines."""
    return (
        kept.file == other.file
        and bool(kept.category)
        and kept.category == other.category
        and _cwes_agree(kept, other)
        and bool(lines(kept) & lines(other))
    )


def _preference(finding: FindingRecord, engines: tuple[str, ...]) -> tuple[Any, ...]:
    return (
        not finding.dataflow,
        engines.index(finding.engine),
        finding.line,
        finding.rule_id,
    )


def _record(kept: FindingRecord, repeats: Iterable[FindingRecord]) -> None:
    ordered = sorted(repeats, key=lambda f: (f.engine, f.rule_id, f.line))
    merged = [
        {"engine": f.engine, "rule_id": f.rule_id, "line": f.line} for f in ordered
    ]
    kept.details = {
        **kept.details,
        "detected_by": sorted({kept.engine, *(f.engine for f in ordered)}),
        "merged_findings": merged,
    }


def merge_duplicates(findings: list[FindingRecord]) -> list[FindingRecord]:
    """The findings with each repeat folded into the finding it repeats."""
    by_place: dict[tuple[str, str], list[FindingRecord]] = {}
    for finding in findings:
        by_place.setdefault((finding.file, finding.category), []).append(finding)
    folded: dict[int, list[FindingRecord]] = {}
    gone: set[int] = set()
    for finding in findings:
        engines = REPEATS.get(finding.engine, ())
        candidates = [
            kept
            for kept in by_place[(finding.file, finding.category)]
            if kept.engine in engines and same_issue(kept, finding)
        ]
        if candidates:
            kept = min(candidates, key=lambda f: _preference(f, engines))
            folded.setdefault(id(kept), []).append(finding)
            gone.add(id(finding))
    for kept in findings:
        if id(kept) in folded:
            _record(kept, folded[id(kept)])
    return [finding for finding in findings if id(finding) not in gone]
