"""checkov for infrastructure-as-code (Terraform); an optional tool.

checkov is not a sordino dependency. When a tree holds Terraform and checkov
is absent, the runner reports the engine as missing instead of skipping it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sordino.analysis import taxonomy
from sordino.analysis.engines.base import (
    EngineContext,
    EngineError,
    EngineResult,
    find_binary,
    relative_path,
    run_process,
)
from sordino.analysis.inventory import IAC_LANGUAGES, Inventory, language_of
from sordino.ingest.bundle import FindingRecord, Severity

_CATEGORY = taxonomy.get("Security Misconfiguration")
SUCCESS_CODES = frozenset({0, 1})
_SEVERITIES: dict[str, Severity] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MEDIUM": "medium",
    "LOW": "low",
}


class CheckovEngine:
    """Runs ``checkov -d`` on the tree's Terraform files."""

    name = "checkov"
    optional = True

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds infrastructure-as-code."""
        return inventory.has_any(IAC_LANGUAGES)

    def available(self) -> bool:
        """Whether the checkov executable is installed."""
        return find_binary("checkov") is not None

    def command(self) -> list[str]:
        """The checkov command line, run from the tree's root, offline."""
        return [
            find_binary("checkov") or "checkov",
            "-d",
            ".",
            "-o",
            "json",
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "--skip-download",
        ]

    def run(self, ctx: EngineContext) -> EngineResult:
        """Scan the tree; exit 1 only means checks failed, others a failure."""
        outcome = run_process(self.command(), ctx)
        try:
            data = json.loads(outcome.stdout)
        except ValueError as exc:
            raise EngineError(
                "crashed",
                f"checkov exited {outcome.returncode} without JSON output: "
                f"{outcome.stderr_tail()}",
            ) from exc
        result = parse_output(data, ctx.root)
        result.failure = outcome.failure(self.name, SUCCESS_CODES)
        return result


def parse_output(data: Any, root: Path) -> EngineResult:
    """Failed checks of checkov's JSON report (one framework or a list of them)."""
    reports = data if isinstance(data, list) else [data]
    if not all(isinstance(report, dict) for report in reports):
        raise EngineError("crashed", "checkov output is not a JSON report")
    findings: list[FindingRecord] = []
    warnings: list[str] = []
    for report in reports:
        results = report.get("results", {}) or {}
        findings += [
            _finding(item, root)
            for item in results.get("failed_checks", []) or []
            if isinstance(item, dict)
        ]
        warnings += [
            f"checkov: cannot parse {relative_path(str(path), root)}"
            for path in results.get("parsing_errors", []) or []
        ]
    return EngineResult(findings=findings, warnings=warnings)


def _snippet(code_block: Any, first_line: int) -> str:
    """The first line of the flagged block (the resource header)."""
    for entry in code_block if isinstance(code_block, list) else []:
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == first_line:
            return str(entry[1]).rstrip("\n")
    return ""


def _finding(item: dict[str, Any], root: Path) -> FindingRecord:
    check_id = str(item.get("check_id", ""))
    file = relative_path(str(item.get("file_path", "")).lstrip("/"), root)
    lines = item.get("file_line_range", []) or [0, 0]
    severity = _SEVERITIES.get(str(item.get("severity") or "").upper(), "medium")
    resource = str(item.get("resource", ""))
    name = str(item.get("check_name", check_id))
    return FindingRecord(
        type="vuln",
        rule_id=f"checkov.{check_id}",
        title=f"Security Misconfiguration: {name}",
        description=f"{name} ({resource})" if resource else name,
        severity=severity,
        category=_CATEGORY.name if _CATEGORY else "Security Misconfiguration",
        cwe=[_CATEGORY.cwe] if _CATEGORY else [16],
        owasp_2017=_CATEGORY.owasp_2017 if _CATEGORY else "",
        owasp_2021=_CATEGORY.owasp_2021 if _CATEGORY else "",
        language=language_of(file),
        file=file,
        line=int(lines[0]),
        end_line=int(lines[-1]),
        snippet=_snippet(item.get("code_block"), int(lines[0])),
        remediation=str(item.get("guideline") or ""),
        tags={"resource": resource} if resource else {},
        engine="checkov",
    )
