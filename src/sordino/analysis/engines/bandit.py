"""bandit, the Python AST checker, with its findings mapped to the taxonomy."""

from __future__ import annotations

import json
import re
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
from sordino.analysis.inventory import SKIP_DIRS, Inventory
from sordino.ingest.bundle import FindingRecord, Severity

_SEVERITIES: dict[str, Severity] = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}
# 0: no issues; 1: issues found. Anything else (2 for bad usage): a failure.
SUCCESS_CODES = frozenset({0, 1})
# Tests whose message and code quote a hard-coded password verbatim.
PASSWORD_TESTS: frozenset[str] = frozenset({"B105", "B106", "B107"})
_XXE = ("XML External Entities", 611)
# Tests whose own CWE files them under the wrong category (eval as OS command
# injection, XML parsers as input validation, MD5 as a cipher...): the
# category and CWE they are reported with instead. Other tests go by their CWE.
CATEGORIES: dict[str, tuple[str, int]] = {
    "B102": ("Remote Code Execution", 95),  # exec
    "B104": ("Security Misconfiguration", 605),  # binding to all interfaces
    "B201": ("Security Misconfiguration", 489),  # Flask debug mode
    "B303": ("Weak Hash", 328),  # md5 and sha1
    "B307": ("Remote Code Execution", 95),  # eval
    "B324": ("Weak Hash", 328),  # hashlib with md5/sha1
    **{f"B{n}": _XXE for n in (*range(313, 321), *range(405, 412))},
    "B412": ("Security Misconfiguration", 16),  # httpoxy
    "B506": ("Deserialization", 502),  # yaml.load
    "B609": ("Command Injection", 155),  # wildcard injection
    "B613": ("Security Best Practices", 838),  # trojan source
    "B701": ("XSS", 79),  # jinja2 autoescape off
}
_QUOTED = re.compile(r"""['"](.+)['"]\s*$""")
_NUMBERED = re.compile(r"^(\d+)\s?(.*)$")


class BanditEngine:
    """Runs ``bandit -r`` over the tree's Python files."""

    name = "bandit"
    optional = False

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds Python code."""
        return "python" in inventory.languages

    def available(self) -> bool:
        """Whether the bandit executable is installed."""
        return find_binary("bandit") is not None

    def command(self, ctx: EngineContext) -> list[str]:
        """The bandit command line for a scan of ``ctx.root``."""
        excluded = ",".join(f"*/{name}/*" for name in sorted(SKIP_DIRS))
        return [
            find_binary("bandit") or "bandit",
            "-r",
            "-f",
            "json",
            "-q",
            "-x",
            excluded,
            ".",
        ]

    def run(self, ctx: EngineContext) -> EngineResult:
        """Scan the tree; exit 1 only means issues were found, 2 a failure."""
        outcome = run_process(self.command(ctx), ctx)
        try:
            data = json.loads(outcome.stdout)
        except ValueError as exc:
            raise EngineError(
                "crashed",
                f"bandit exited {outcome.returncode} without JSON output: "
                f"{outcome.stderr_tail()}",
            ) from exc
        result = parse_output(data, ctx.root)
        result.failure = outcome.failure(self.name, SUCCESS_CODES)
        return result


def parse_output(data: Any, root: Path) -> EngineResult:
    """Findings and warnings from bandit's JSON report."""
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise EngineError("crashed", "bandit output is not a JSON report object")
    findings = [
        _finding(item, root)
        for item in data.get("results", [])
        if isinstance(item, dict)
    ]
    warnings = [
        f"bandit: {error.get('filename', '')}: {error.get('reason', '')}"
        for error in data.get("errors", []) or []
        if isinstance(error, dict)
    ]
    return EngineResult(findings=findings, warnings=warnings)


def flagged_code(code: str, line_range: list[int]) -> str:
    """The flagged lines of bandit's numbered ``code`` excerpt, without numbers."""
    wanted = set(line_range)
    kept = []
    for raw in code.splitlines():
        match = _NUMBERED.match(raw)
        if match and int(match.group(1)) in wanted:
            kept.append(match.group(2))
    return "\n".join(kept)


def _mask(text: str, secret: str) -> str:
    from sordino.analysis.engines.secrets import mask

    return text.replace(secret, mask(secret)) if secret else text


def classify(test_id: str, cwe_id: int) -> tuple[taxonomy.Category | None, int]:
    """The category and CWE of a bandit test that reported ``cwe_id``."""
    if test_id in CATEGORIES:
        name, cwe_id = CATEGORIES[test_id]
        return taxonomy.get(name), cwe_id
    return (taxonomy.for_cwe(cwe_id) if cwe_id else None), cwe_id


def _finding(item: dict[str, Any], root: Path) -> FindingRecord:
    cwe = item.get("issue_cwe", {}) or {}
    test_id = str(item.get("test_id", ""))
    category, cwe_id = classify(test_id, int(cwe.get("id", 0) or 0))
    text = str(item.get("issue_text", "")).strip()
    line = int(item.get("line_number", 0) or 0)
    line_range = [int(n) for n in item.get("line_range", []) or [line]]
    snippet = flagged_code(str(item.get("code", "")), line_range)
    if test_id in PASSWORD_TESTS:
        quoted = _QUOTED.search(text)
        secret = quoted.group(1) if quoted else ""
        text, snippet = _mask(text, secret), _mask(snippet, secret)
    label = category.name if category is not None else "Security Issue"
    return FindingRecord(
        type="vuln",
        rule_id=f"bandit.{test_id}",
        title=f"{label}: {text.splitlines()[0] if text else test_id}",
        description=text,
        severity=_SEVERITIES.get(str(item.get("issue_severity", "")).upper(), "low"),
        category=category.name if category is not None else "",
        cwe=[cwe_id] if cwe_id else [],
        owasp_2017=category.owasp_2017 if category is not None else "",
        owasp_2021=category.owasp_2021 if category is not None else "",
        language="python",
        file=relative_path(str(item.get("filename", "")), root),
        line=line,
        end_line=max(line_range),
        snippet=snippet,
        tags={
            "confidence": str(item.get("issue_confidence", "")).lower(),
            "bandit_test": str(item.get("test_name", "")),
        },
        details={"more_info": str(item.get("more_info", ""))},
        engine="bandit",
    )
