"""semgrep with sordino's own rule pack, offline, with dataflow traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import structlog

from sordino.analysis import taxonomy
from sordino.analysis.engines.base import (
    EngineContext,
    EngineError,
    EngineResult,
    find_binary,
    relative_path,
    run_process,
)
from sordino.analysis.engines.calls import callee
from sordino.analysis.engines.semgrep_secrets import (
    as_secret,
    defined_elsewhere,
    matched_secret,
)
from sordino.analysis.engines.trace import SourceLines, call_name, dataflow, sink_call
from sordino.analysis.inventory import SKIP_DIRS, Inventory, language_of
from sordino.ingest.bundle import DataflowStep, EngineFailure, FindingRecord, Severity

log = structlog.get_logger(__name__)

# Languages the rule pack has rules for; other trees are not worth a semgrep start.
LANGUAGES: frozenset[str] = frozenset(
    {
        "python",
        "javascript",
        "typescript",
        "java",
        "go",
        "kotlin",
        "ruby",
        "php",
        "terraform",
    }
)
RULE_TIMEOUT_S = 10
# 0: no findings; 1: findings (with --error). 2 and above: semgrep failed.
SUCCESS_CODES = frozenset({0, 1})
# One file that does not parse; semgrep analysed everything else.
PARSE_ERRORS = frozenset(
    {
        "Lexical error",
        "Syntax error",
        "Other syntax error",
        "AST builder error",
        "PartialParsing",
    }
)
# Limits one rule hit on one file (the error names the file).
PER_FILE_ERRORS = frozenset({"Timeout", "Out of memory", "Stack overflow"})
_LEVELS: dict[str, Severity] = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
_SEVERITIES: frozenset[str] = frozenset({"critical", "high", "medium", "low"})
_NO_SNIPPET = "requires login"
_TITLE_CHARS = 120
SECRET_CATEGORY = "Hardcoded Credentials"  # noqa: S105 - a category name


class SemgrepEngine:
    """Runs ``semgrep scan`` with the bundled rules and reads its JSON."""

    name = "semgrep"
    optional = False

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds code in a language the rules cover."""
        return inventory.has_any(LANGUAGES)

    def available(self) -> bool:
        """Whether the semgrep executable is installed."""
        return find_binary("semgrep") is not None

    def command(self, ctx: EngineContext) -> list[str]:
        """The semgrep command line for a scan of ``ctx.root``."""
        from sordino.analysis.rules import RULES_DIR

        argv = [
            find_binary("semgrep") or "semgrep",
            "scan",
            "--config",
            str(RULES_DIR),
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--oss-only",
            "--quiet",
            "--timeout",
            str(RULE_TIMEOUT_S),
            "--max-memory",
            str(ctx.memory_mb),
            "--dataflow-traces",
        ]
        for name in sorted(SKIP_DIRS):
            argv += ["--exclude", name]
        return [*argv, "."]

    def environment(self, ctx: EngineContext) -> dict[str, str]:
        """Variables that keep semgrep offline and its state in the scratch dir."""
        home = ctx.workdir / "home"
        for folder in (home / ".config", home / ".cache"):
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }

    def run(self, ctx: EngineContext) -> EngineResult:
        """Scan the tree and normalize the results, failed or not."""
        outcome = run_process(self.command(ctx), ctx, env=self.environment(ctx))
        try:
            data = json.loads(outcome.stdout)
        except ValueError as exc:
            raise EngineError(
                "crashed",
                f"semgrep exited {outcome.returncode} without JSON output: "
                f"{outcome.stderr_tail()}",
            ) from exc
        result = parse_output(data, ctx.root)
        errors = "; ".join(fatal_errors(data))
        # The results semgrep printed before failing are kept all the same.
        result.failure = outcome.failure(self.name, SUCCESS_CODES, errors)
        if result.failure is None and errors:
            result.failure = EngineFailure(
                engine=self.name, reason="crashed", message=f"semgrep: {errors}"
            )
        return result


def parse_output(data: Any, root: Path) -> EngineResult:
    """Findings and warnings from semgrep's ``--json`` output."""
    if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
        raise EngineError("crashed", "semgrep output is not a JSON results object")
    source = SourceLines(root)
    result = EngineResult()
    for item in data.get("results", []):
        if isinstance(item, dict) and not item.get("extra", {}).get("is_ignored"):
            finding = _finding(item, root, source)
            if finding.category == SECRET_CATEGORY and defined_elsewhere(item):
                continue
            if finding.category == SECRET_CATEGORY:
                secret = matched_secret(item, source, finding.file)
                finding = as_secret(finding, secret)
                result.redactions += [secret] if secret else []
            result.findings.append(finding)
    errors = data.get("errors", []) or []
    result.warnings = [_warning(error) for error in errors if not _is_fatal(error)]
    return result


def fatal_errors(data: Any) -> list[str]:
    """semgrep's errors that leave the scan incomplete, as messages."""
    errors = data.get("errors", []) if isinstance(data, dict) else []
    return [_error_text(error) for error in errors or [] if _is_fatal(error)]


def _is_fatal(error: Any) -> bool:
    """Whether an error is of level ``error`` and not about one file only.

    A file that does not parse, or a rule hitting a limit on one file, is a
    warning: semgrep still analysed the rest of the tree.
    """
    if not isinstance(error, dict) or error.get("level") != "error":
        return False
    kind = _kind(error)
    return kind not in PARSE_ERRORS and not (
        kind in PER_FILE_ERRORS and error.get("path")
    )


def _kind(error: dict[str, Any]) -> str:
    kind = error.get("type", "error")
    if isinstance(kind, list):
        kind = kind[0] if kind else "error"
    return str(kind)


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    lines = str(error.get("message", "")).strip().splitlines()
    return f"{_kind(error)}: {lines[0]}" if lines else _kind(error)


def _warning(error: Any) -> str:
    if not isinstance(error, dict):
        return f"semgrep: {error}"
    level = error.get("level", "warn")
    where = error.get("path", "")
    text = f"semgrep {level}: {_error_text(error)}"
    return f"{text} ({where})" if where else text


def _classify(
    metadata: dict[str, Any],
) -> tuple[taxonomy.Category | None, list[int]]:
    """The taxonomy category and CWE numbers a rule's metadata names."""
    raw_cwe = metadata.get("cwe", [])
    cwe_texts = raw_cwe if isinstance(raw_cwe, list) else [raw_cwe]
    cwes = [
        number
        for number in (taxonomy.parse_cwe(str(text)) for text in cwe_texts)
        if number is not None
    ]
    category = None
    for key in ("sordino_category", "category", "vulnerability_class"):
        values = metadata.get(key)
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and category is None:
                category = taxonomy.get(value)
    if category is None:
        category = next(
            (c for c in map(taxonomy.for_cwe, cwes) if c is not None),
            None,
        )
    if not cwes and category is not None:
        cwes = [category.cwe]
    return category, cwes


def _severity(
    metadata: dict[str, Any], category: taxonomy.Category | None, level: str
) -> Severity:
    value = str(metadata.get("severity", "")).lower()
    if value in _SEVERITIES:
        return value  # type: ignore[return-value]
    if category is not None and category.severity in _SEVERITIES:
        return category.severity  # type: ignore[return-value]
    return _LEVELS.get(level.upper(), "medium")


def short_message(message: str) -> str:
    """The first sentence of a rule message, cut to a title's length."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    sentence = first.split(". ", 1)[0].rstrip(".")
    if len(sentence) > _TITLE_CHARS:
        sentence = sentence[: _TITLE_CHARS - 1].rstrip() + "…"
    return sentence


def rule_metadata(check_id: str, reported: Any) -> dict[str, Any]:
    """The rule's metadata: the bundled pack's checked values over semgrep's copy."""
    from sordino.analysis.rules import lookup

    metadata = dict(reported) if isinstance(reported, dict) else {}
    meta = lookup(check_id)
    if meta is not None:
        metadata |= {
            "category": meta.category,
            "title": meta.title,
            "cwe": f"CWE-{meta.cwe}",
            "owasp_2017": meta.owasp_2017,
            "owasp_2021": meta.owasp_2021,
            "severity": meta.severity,
            "remediation": meta.remediation,
        }
    return metadata


def _finding(item: dict[str, Any], root: Path, source: SourceLines) -> FindingRecord:
    from sordino.analysis.rules import canonical_rule_id

    extra = item.get("extra", {}) or {}
    check_id = str(item.get("check_id", ""))
    metadata = rule_metadata(check_id, extra.get("metadata"))
    category, cwes = _classify(metadata)
    message = str(extra.get("message", "")).strip()
    file = relative_path(str(item.get("path", "")), root)
    line = int(item.get("start", {}).get("line", 0) or 0)
    snippet = str(extra.get("lines", ""))
    steps = dataflow(source, extra.get("dataflow_trace"))
    label = category.name if category is not None else "Security Issue"
    title = str(metadata.get("title") or f"{label}: {short_message(message)}")
    fix = extra.get("fix")
    return FindingRecord(
        type="vuln",
        rule_id=canonical_rule_id(check_id),
        title=title,
        description=message,
        severity=_severity(metadata, category, str(extra.get("severity", ""))),
        cvss_score=category.cvss if category is not None else None,
        category=category.name if category is not None else "",
        cwe=cwes,
        owasp_2017=_owasp(metadata, "owasp_2017", category),
        owasp_2021=_owasp(metadata, "owasp_2021", category),
        language=language_of(file),
        file=file,
        line=line,
        end_line=int(item.get("end", {}).get("line", line) or line),
        snippet="" if snippet.strip() == _NO_SNIPPET else snippet,
        source_method=(callee(steps[0].code) or steps[0].code) if steps else "",
        sink_method=_sink_method(source, extra.get("dataflow_trace"), steps, snippet),
        dataflow=steps,
        remediation=str(metadata.get("remediation", "") or ""),
        fixes=_fixes(fix, file, line),
        engine="semgrep",
    )


def _sink_method(
    source: SourceLines, trace: Any, steps: list[DataflowStep], snippet: str
) -> str:
    """The function the tainted value reaches, as the sink's code names it."""
    if not steps:
        return ""
    found = sink_call(source, trace if isinstance(trace, dict) else None)
    if found:
        return found
    # No location to read: the first call on the matched line, if any.
    line = snippet.strip().splitlines()[0] if snippet.strip() else ""
    return call_name(line) if "(" in line else steps[-1].code


def _owasp(
    metadata: dict[str, Any], key: str, category: taxonomy.Category | None
) -> str:
    value = metadata.get(key)
    if isinstance(value, str) and value:
        return value
    return str(getattr(category, key, "")) if category is not None else ""


def _fixes(fix: Any, file: str, line: int) -> list[dict[str, Any]]:
    if not isinstance(fix, str) or not fix:
        return []
    return [
        {
            "description": "Replace the flagged code with the rule's suggested fix",
            "replacement": fix,
            "file": file,
            "line": line,
        }
    ]
