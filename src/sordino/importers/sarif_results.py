"""Turning one SARIF result into a FindingRecord."""

from __future__ import annotations

import re
from typing import Any

from sordino.analysis import taxonomy
from sordino.analysis.fingerprint import digest, normalize_path, secret_fingerprint
from sordino.importers.sarif_context import RunContext
from sordino.importers.sarif_flows import dataflow, location_parts
from sordino.importers.shape import JsonObject, arr, obj, pointer, text
from sordino.ingest.bundle import FindingRecord, Severity

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")
_EMBEDDED_LINK = re.compile(r"\[([^\]]*)\]\((\d+)\)")
_CWE_TAG = re.compile(r"(?i)\bcwe[-_: ]?0*(\d+)\b")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:@+/-]+")
_LEVELS: dict[str, Severity] = {
    "error": "high",
    "warning": "medium",
    "note": "low",
    "none": "low",
}
# Kinds that say the rule was checked and nothing is wrong: not findings.
_NOT_PROBLEMS = frozenset({"pass", "notApplicable"})
SECRET_KEYS = ("offender", "secret", "Secret", "match")
_TITLE_LIMIT = 250
# sordino's own SARIF export carries each finding's identity under this key.
SORDINO_FINGERPRINT = "sordinoInternalId/v1"


def convert(
    result: JsonObject, ctx: RunContext, where: str, root: str = ""
) -> FindingRecord | None:
    """The finding a result reports, or None when its kind says it passed."""
    if result.get("kind") in _NOT_PROBLEMS:
        return None
    raw_rule, rule = ctx.rule_for(result, where)
    rule_id = sanitize_rule(ctx.tool, raw_rule)
    message = render_message(result, rule, where)
    severity, score = severity_of(result, rule)
    cwes = cwes_of(result, rule, where)
    steps = dataflow(result, ctx, where, root)
    secret = secret_value(result)
    finding = FindingRecord(
        type="extscan",
        engine=ctx.tool,
        rule_id=rule_id,
        title=_title(rule, raw_rule, message),
        description=_redact(message, secret),
        severity=severity,
        cvss_score=score,
        cwe=cwes,
        dataflow=steps,
        source_method=steps[0].method_name if steps else "",
        sink_method=steps[-1].method_name if steps else "",
        remediation=_help(rule),
        fixes=fixes_of(result, ctx, where, root),
        suppressed=is_suppressed(result, where),
        tags={"tool": ctx.tool},
    )
    _classify(finding, cwes)
    locate(finding, result, ctx, where, root)
    return finding


def locate(
    finding: FindingRecord, result: JsonObject, ctx: RunContext, where: str, root: str
) -> None:
    """Set a finding's file, lines, snippet and fingerprint from its result."""
    file, line, end_line, snippet, method = location_parts(result, ctx, where, root)
    secret = secret_value(result)
    finding.file = file
    finding.line = line
    finding.end_line = end_line
    finding.snippet = _redact(snippet, secret)
    finding.sink_method = finding.sink_method or method
    finding.details = {"fileName": file, "lineNumber": line}
    finding.fingerprint = _fingerprint(result, finding, secret, where)


def sanitize_rule(tool: str, rule: str) -> str:
    """``<tool>/<rule>`` with characters outside a safe set collapsed to ``-``."""
    tool_part = _UNSAFE.sub("-", tool.lower()).strip("-") or "sarif"
    rule_part = _UNSAFE.sub("-", rule).strip("-") or "unknown"
    return f"{tool_part.replace('/', '-')}/{rule_part}"[:200]


def render_message(result: JsonObject, rule: JsonObject, where: str) -> str:
    """A result's message text, from ``text`` or the rule's ``messageStrings``."""
    spot = pointer(where, "message")
    if "message" not in result:
        return _rule_text(rule, "fullDescription") or _rule_text(
            rule, "shortDescription"
        )
    message = obj(result.get("message"), spot)
    said = text(message.get("text"), pointer(spot, "text"))
    if not said and message.get("id") is not None:
        key = text(message.get("id"), pointer(spot, "id"))
        strings = rule.get("messageStrings")
        template = strings.get(key) if isinstance(strings, dict) else None
        if isinstance(template, dict):
            said = str(template.get("text") or template.get("markdown") or "")
    arguments = [
        str(a) for a in arr(message.get("arguments"), pointer(spot, "arguments"))
    ]
    return _EMBEDDED_LINK.sub(r"\1", _fill(said, arguments))


def _fill(template: str, arguments: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        index = int(match.group(1))
        return arguments[index] if index < len(arguments) else match.group(0)

    return _PLACEHOLDER.sub(replace, template)


def severity_of(result: JsonObject, rule: JsonObject) -> tuple[Severity, float | None]:
    """Severity from ``security-severity``, else the result's or rule's level."""
    for holder in (result, rule):
        score = _number(_properties(holder).get("security-severity"))
        if score is not None:
            return _from_score(score), score
    level = result.get("level")
    if not isinstance(level, str):
        config = rule.get("defaultConfiguration")
        level = config.get("level") if isinstance(config, dict) else None
    return _LEVELS.get(level if isinstance(level, str) else "", "medium"), None


def _from_score(score: float) -> Severity:
    if score >= 9:
        return "critical"
    if score >= 7:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def cwes_of(result: JsonObject, rule: JsonObject, where: str) -> list[int]:
    """CWE numbers from tags, rule relationships and result taxa, in order."""
    found: list[int] = []
    for holder in (rule, result):
        for tag in _properties(holder).get("tags") or []:
            match = _CWE_TAG.search(tag) if isinstance(tag, str) else None
            if match:
                found.append(int(match.group(1)))
    targets = [
        r.get("target") for r in rule.get("relationships") or [] if isinstance(r, dict)
    ]
    for ref in [*targets, *arr(result.get("taxa"), pointer(where, "taxa"))]:
        if isinstance(ref, dict) and _is_cwe_component(ref.get("toolComponent")):
            number = taxonomy.parse_cwe(str(ref.get("id", "")))
            if number is not None:
                found.append(number)
    return list(dict.fromkeys(found))


def _is_cwe_component(component: Any) -> bool:
    return (
        isinstance(component, dict) and str(component.get("name", "")).upper() == "CWE"
    )


def _classify(finding: FindingRecord, cwes: list[int]) -> None:
    if cwes:
        finding.tags["cwe_category"] = str(cwes[0])
    for cwe in cwes:
        category = taxonomy.for_cwe(cwe)
        if category is not None:
            finding.category = category.name
            finding.owasp_2017 = category.owasp_2017
            finding.owasp_2021 = category.owasp_2021
            return


def is_suppressed(result: JsonObject, where: str) -> bool:
    """True when a suppression applies that was not rejected or left under review."""
    spot = pointer(where, "suppressions")
    for i, item in enumerate(arr(result.get("suppressions"), spot)):
        suppression = obj(item, pointer(spot, i))
        # Pre-release 2.1.0 drafts (the spec's Appendix K) call ``status`` ``state``.
        status = suppression.get("status", suppression.get("state", "accepted"))
        if status == "accepted":
            return True
    return False


def fixes_of(result: JsonObject, ctx: RunContext, where: str, root: str) -> list[Any]:
    """The proposed fixes, with their artifacts resolved to paths."""
    spot = pointer(where, "fixes")
    fixes: list[dict[str, Any]] = []
    for i, item in enumerate(arr(result.get("fixes"), spot)):
        fix = obj(item, pointer(spot, i))
        changes = []
        for j, change in enumerate(arr(fix.get("artifactChanges"), pointer(spot, i))):
            change_spot = pointer(spot, i, "artifactChanges", j)
            change_obj = obj(change, change_spot)
            artifact = obj(change_obj.get("artifactLocation"), change_spot)
            changes.append(
                {
                    "file": ctx.resolve(artifact, change_spot, root),
                    "replacements": change_obj.get("replacements") or [],
                }
            )
        description = fix.get("description")
        said = description.get("text", "") if isinstance(description, dict) else ""
        fixes.append({"description": said, "changes": changes})
    return fixes


def _fingerprint(
    result: JsonObject, finding: FindingRecord, secret: str, where: str
) -> str | None:
    own = obj(result.get("partialFingerprints"), where).get(SORDINO_FINGERPRINT)
    if isinstance(own, str) and "/" in own:
        return own
    # A tool's own fingerprints (complete ones first) are content-based; the
    # path joins them, as code-scanning services do, to tell files apart.
    for key in ("fingerprints", "partialFingerprints"):
        prints = obj(result.get(key), pointer(where, key))
        values = {k: _print_value(v) for k, v in prints.items()}
        joined = "\n".join(f"{k}={v}" for k, v in sorted(values.items()) if v)
        if joined:
            path = normalize_path(finding.file)
            return f"{finding.rule_id}/{digest(finding.rule_id, path, joined)}"
    if secret:
        return secret_fingerprint(finding.rule_id, finding.file, secret)
    return None


def _print_value(value: Any) -> str:
    # Some tools (Black Duck) nest the value as {"value": ...}; tolerate it.
    if isinstance(value, dict):
        value = value.get("value")
    return str(value) if isinstance(value, str | int | float) else ""


def secret_value(result: JsonObject) -> str:
    """The raw secret a secret scanner put in the result's properties, if any."""
    props = _properties(result)
    for key in SECRET_KEYS:
        value = props.get(key)
        if isinstance(value, str) and len(value) >= 4:
            return value
    return ""


def _redact(value: str, secret: str) -> str:
    if not secret:
        return value
    return value.replace(secret, secret[:4] + "*" * 8)


def _title(rule: JsonObject, rule_id: str, message: str) -> str:
    name = rule.get("name")
    title = _rule_text(rule, "shortDescription")
    if not title and isinstance(name, str) and name != rule_id:
        title = name
    title = title or (message.strip().splitlines() or [rule_id])[0]
    return title[:_TITLE_LIMIT]


def _help(rule: JsonObject) -> str:
    return _rule_text(rule, "help")


def _rule_text(rule: JsonObject, key: str) -> str:
    value = rule.get(key)
    said = value.get("text") if isinstance(value, dict) else None
    return said if isinstance(said, str) else ""


def _properties(holder: JsonObject) -> JsonObject:
    props = holder.get("properties")
    return props if isinstance(props, dict) else {}
