"""The summary ``sordino analyze`` prints: counts of what the scan stored.

The counts come from the stored scan (the ``counts`` and ``findings_summaries``
the API shows for it), not from the analysed bundle: dependency
vulnerabilities are added at ingest, on the server when there is one, and
ingest drops exact duplicates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from sordino.ingest.bundle import EngineFailure

SEVERITIES = ("critical", "high", "medium", "low")
TYPES = ("vuln", "secret", "oss_vuln", "container", "package", "extscan", "insight")
# What a type's findings without a category are; findings of other types
# without one are shown as NO_CATEGORY.
UNCATEGORISED = {
    "oss_vuln": "(dependency vulnerabilities)",
    "container": "(container vulnerabilities)",
    "package": "(package inventory)",
}
NO_CATEGORY = "(no category)"


@dataclass
class TypeCounts:
    """The stored findings of one type."""

    total: int = 0
    ignored: int = 0
    severity: Counter[str] = field(default_factory=Counter)
    category: Counter[str] = field(default_factory=Counter)

    def categories(self, finding_type: str) -> list[tuple[str, int]]:
        """(category, count), most frequent first, the uncategorised last."""
        ranked = sorted(self.category.items(), key=lambda kv: (-kv[1], kv[0]))
        rest = self.total - sum(self.category.values())
        if rest > 0:
            ranked.append((UNCATEGORISED.get(finding_type, NO_CATEGORY), rest))
        return ranked


def from_scans(scans: Iterable[dict[str, Any]]) -> dict[str, TypeCounts]:
    """Counts per finding type of scans as the API reads them, added up."""
    types: dict[str, TypeCounts] = {}
    for scan in scans:
        for entry in scan.get("findings_summaries", []):
            counts = types.setdefault(str(entry["finding_type"]), TypeCounts())
            counts.total += int(entry.get("total", 0))
            counts.ignored += int(entry.get("total_ignored", 0))
        for entry in scan.get("counts", []):
            counts = types.setdefault(str(entry["finding_type"]), TypeCounts())
            if entry.get("key") == "severity":
                counts.severity[str(entry["value"])] += int(entry["count"])
            elif entry.get("key") == "category":
                counts.category[str(entry["value"])] += int(entry["count"])
    return types


def _ordered(types: dict[str, TypeCounts]) -> list[tuple[str, TypeCounts]]:
    rank = {name: index for index, name in enumerate(TYPES)}
    return sorted(types.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def severity_table(types: dict[str, TypeCounts]) -> Table:
    """Findings per type and severity, with totals."""
    table = Table(title="Findings by severity")
    table.add_column("type")
    for severity in SEVERITIES:
        table.add_column(severity, justify="right")
    table.add_column("total", justify="right")
    for name, counts in _ordered(types):
        row = [counts.severity.get(s, 0) for s in SEVERITIES]
        table.add_row(name, *map(str, row), str(counts.total))
    totals = [sum(c.severity.get(s, 0) for c in types.values()) for s in SEVERITIES]
    grand = sum(c.total for c in types.values())
    table.add_section()
    table.add_row("all", *map(str, totals), str(grand))
    return table


def category_table(types: dict[str, TypeCounts]) -> Table:
    """Findings per type and category; each type's rows add up to its total."""
    table = Table(title="Findings by category")
    table.add_column("type")
    table.add_column("category")
    table.add_column("findings", justify="right")
    for name, counts in _ordered(types):
        for category, count in counts.categories(name):
            table.add_row(name, category, str(count))
    return table


def print_summary(
    console: Console,
    err: Console,
    types: dict[str, TypeCounts],
    failures: Sequence[EngineFailure],
    incomplete: Sequence[EngineFailure],
) -> None:
    """Print the tables, the totals and what went wrong with which engine."""
    console.print(severity_table(types))
    console.print(category_table(types))
    total = sum(c.total for c in types.values())
    ignored = sum(c.ignored for c in types.values())
    packages = types["package"].total if "package" in types else 0
    console.print(
        f"stored findings: {total}  packages: {packages}  suppressed: {ignored}"
    )
    for failure in failures:
        colour = "red" if failure in incomplete else "yellow"
        err.print(
            f"[{colour}]engine {failure.engine} {failure.reason}:[/] {failure.message}"
        )
    if incomplete:
        names = ", ".join(sorted({f.engine for f in incomplete}))
        err.print(f"[red]the analysis is incomplete:[/] {names} did not complete")
    elif failures:
        console.print("every required engine completed")
    else:
        console.print("every applicable engine completed")
