"""Turning one SARIF result into a FindingRecord."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from sordino.analysis import taxonomy
from sordino.analysis.fingerprint import digest, normalize_path, secret_fingerprint
from sordino.importers import sarif_sordino
from sordino.importers.sarif_context import RunContext
from sordino.importers.sarif_flows import dataflow, location_parts
from sordino.importers.shape import JsonObject, Where, arr, below, obj, text
from sordino.ingest.bundle import (
    FindingRecord,
    Severity,
    severity_for_score,
    valid_score,
)

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
    facts = _facts(ctx, raw_rule, rule)
    rule_id = facts.rule_id
    message = render_message(result, rule, where)
    severity, score = severity_of(result, rule)
    cwes = _merge_cwes(facts.cwes, result, where)
    steps = dataflow(result, ctx, where, root)
    own = sarif_sordino.is_own(result, ctx.tool)
    if own:
        sarif_sordino.steps(result, where, steps)
    secret = secret_value(result)
    tags = {"tool": ctx.tool}
    if cwes:
        tags["cwe_category"] = str(cwes[0])
    category = _category(cwes)
    place = _location_fields(result, ctx, where, root, rule_id, secret)
    method = place.pop("method")
    sink = steps[-1].method_name if steps else ""
    record = FindingRecord.model_validate(
        {
            "type": "extscan",
            "engine": ctx.tool,
            "rule_id": rule_id,
            "title": _title(facts.title, raw_rule, message),
            "description": _redact(message, secret),
            "severity": severity,
            "cvss_score": score,
            "category": category.name if category else "",
            "cwe": cwes,
            "owasp_2017": category.owasp_2017 if category else "",
            "owasp_2021": category.owasp_2021 if category else "",
            "dataflow": steps,
            "source_method": steps[0].method_name if steps else "",
            "sink_method": sink or method,
            "remediation": facts.remediation,
            "fixes": fixes_of(result, ctx, where, root),
            "suppressed": is_suppressed(result, where),
            "tags": tags,
            **place,
        }
    )
    if own:
        sarif_sordino.restore(record, result, raw_rule, where)
    return record


@dataclass(frozen=True)
class _RuleFacts:
    """What a result's conversion takes from its rule alone, worked out once."""

    rule_id: str
    title: str
    remediation: str
    cwes: tuple[list[int], list[int]]


def _facts(ctx: RunContext, raw_rule: str, rule: JsonObject) -> _RuleFacts:
    """The facts of a rule, from the run's memo when the rule was seen before."""
    # A descriptor is known by its identity; the memo holds it, so that its id
    # cannot be reused by another object while the run is read.
    key = (raw_rule, id(rule) if rule else 0)
    known = ctx.rule_memo.get(key)
    if known is not None:
        return cast(_RuleFacts, known[1])
    facts = _RuleFacts(
        rule_id=sanitize_rule(ctx.tool, raw_rule),
        title=_rule_title(rule, raw_rule),
        remediation=_rule_text(rule, "help"),
        cwes=_rule_cwes(rule),
    )
    ctx.rule_memo[key] = (rule, facts)
    return facts


def locate(
    finding: FindingRecord, result: JsonObject, ctx: RunContext, where: str, root: str
) -> None:
    """Set a finding's file, lines, snippet and fingerprint from its result."""
    secret = secret_value(result)
    place = _location_fields(result, ctx, where, root, finding.rule_id, secret)
    method = place.pop("method")
    where_found = place.pop("details")
    # Details restored from sordino's export have no place fields to update.
    if "fileName" in finding.details:
        finding.details = {**finding.details, **where_found}
    for name, value in place.items():
        setattr(finding, name, value)
    finding.sink_method = finding.sink_method or method


def _location_fields(
    result: JsonObject,
    ctx: RunContext,
    where: str,
    root: str,
    rule_id: str,
    secret: str,
) -> dict[str, Any]:
    """The fields of a finding that come from its result's primary location.

    ``method`` is the location's logical name, a fallback for the sink method.
    """
    file, line, end_line, snippet, method = location_parts(result, ctx, where, root)
    return {
        "file": file,
        "line": line,
        "end_line": end_line,
        "snippet": _redact(snippet, secret),
        "details": {"fileName": file, "lineNumber": line},
        "fingerprint": _fingerprint(result, rule_id, file, secret, where),
        "method": method,
    }


def sanitize_rule(tool: str, rule: str) -> str:
    """``<tool>/<rule>`` with characters outside a safe set collapsed to ``-``."""
    tool_part = _UNSAFE.sub("-", tool.lower()).strip("-") or "sarif"
    rule_part = _UNSAFE.sub("-", rule).strip("-") or "unknown"
    return f"{tool_part.replace('/', '-')}/{rule_part}"[:200]


def render_message(result: JsonObject, rule: JsonObject, where: Where) -> str:
    """A result's message text, from ``text`` or the rule's ``messageStrings``."""
    if "message" not in result:
        return _rule_text(rule, "fullDescription") or _rule_text(
            rule, "shortDescription"
        )
    message = obj(result.get("message"), where, "message")
    said = text(message.get("text"), where, "message", "text")
    if not said and message.get("id") is not None:
        key = text(message.get("id"), where, "message", "id")
        strings = rule.get("messageStrings")
        template = strings.get(key) if isinstance(strings, dict) else None
        if isinstance(template, dict):
            said = str(template.get("text") or template.get("markdown") or "")
    if "{" in said or "}" in said:
        spot = below(where, "message", "arguments")
        arguments = [str(a) for a in arr(message.get("arguments"), spot)]
        said = _fill(said, arguments)
    else:
        arr(message.get("arguments"), where, "message", "arguments")
    return _EMBEDDED_LINK.sub(r"\1", said) if "](" in said else said


def _fill(template: str, arguments: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        index = int(match.group(1))
        return arguments[index] if index < len(arguments) else match.group(0)

    return _PLACEHOLDER.sub(replace, template)


def severity_of(result: JsonObject, rule: JsonObject) -> tuple[Severity, float | None]:
    """Severity from ``security-severity``, else the result's or rule's level.

    A ``security-severity`` that is not a CVSS score (0.0 to 10.0: "NaN",
    "inf", "-1", "1e999", "high") is ignored, as GitHub code scanning ignores
    it: the result's ``level``, then the rule's default level, decides instead.
    """
    for holder in (result, rule):
        score = valid_score(_properties(holder).get("security-severity"))
        if score is not None:
            return severity_for_score(score), score
    level = result.get("level")
    if not isinstance(level, str):
        config = rule.get("defaultConfiguration")
        level = config.get("level") if isinstance(config, dict) else None
    return _LEVELS.get(level if isinstance(level, str) else "", "medium"), None


def cwes_of(result: JsonObject, rule: JsonObject, where: Where) -> list[int]:
    """CWE numbers from tags, rule relationships and result taxa, in order."""
    return _merge_cwes(_rule_cwes(rule), result, where)


def _rule_cwes(rule: JsonObject) -> tuple[list[int], list[int]]:
    """The CWEs of a rule's tags and those of its relationships."""
    targets = [
        r.get("target") for r in rule.get("relationships") or [] if isinstance(r, dict)
    ]
    return _tag_cwes(rule), _reference_cwes(targets)


def _merge_cwes(
    of_rule: tuple[list[int], list[int]], result: JsonObject, where: Where
) -> list[int]:
    tagged, related = of_rule
    taxa = arr(result.get("taxa"), where, "taxa")
    found = [*tagged, *_tag_cwes(result), *related, *_reference_cwes(taxa)]
    return list(dict.fromkeys(found))


def _tag_cwes(holder: JsonObject) -> list[int]:
    found = []
    for tag in _properties(holder).get("tags") or []:
        match = _CWE_TAG.search(tag) if isinstance(tag, str) else None
        if match:
            found.append(int(match.group(1)))
    return found


def _reference_cwes(references: list[Any]) -> list[int]:
    found = []
    for ref in references:
        if isinstance(ref, dict) and _is_cwe_component(ref.get("toolComponent")):
            number = taxonomy.parse_cwe(str(ref.get("id", "")))
            if number is not None:
                found.append(number)
    return found


def _is_cwe_component(component: Any) -> bool:
    return (
        isinstance(component, dict) and str(component.get("name", "")).upper() == "CWE"
    )


def _category(cwes: list[int]) -> taxonomy.Category | None:
    """The taxonomy category of the first CWE that has one."""
    for cwe in cwes:
        category = taxonomy.for_cwe(cwe)
        if category is not None:
            return category
    return None


def is_suppressed(result: JsonObject, where: Where) -> bool:
    """True when a suppression applies that was not rejected or left under review."""
    for i, item in enumerate(arr(result.get("suppressions"), where, "suppressions")):
        suppression = obj(item, where, "suppressions", i)
        # Pre-release 2.1.0 drafts (the spec's Appendix K) call ``status`` ``state``.
        status = suppression.get("status", suppression.get("state", "accepted"))
        if status == "accepted":
            return True
    return False


def fixes_of(result: JsonObject, ctx: RunContext, where: Where, root: str) -> list[Any]:
    """The proposed fixes, with their artifacts resolved to paths."""
    if result.get("fixes") is None:
        return []
    spot = below(where, "fixes")
    fixes: list[dict[str, Any]] = []
    for i, item in enumerate(arr(result.get("fixes"), spot)):
        fix = obj(item, below(spot, i))
        changes = []
        for j, change in enumerate(arr(fix.get("artifactChanges"), below(spot, i))):
            change_spot = below(spot, i, "artifactChanges", j)
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
    result: JsonObject, rule_id: str, file: str, secret: str, where: Where
) -> str | None:
    own = obj(result.get("partialFingerprints"), where).get(SORDINO_FINGERPRINT)
    if isinstance(own, str) and "/" in own:
        return own
    # A tool's own fingerprints (complete ones first) are content-based; the
    # path joins them, as code-scanning services do, to tell files apart.
    for key in ("fingerprints", "partialFingerprints"):
        if result.get(key) is None:
            continue
        prints = obj(result.get(key), below(where, key))
        values = {k: _print_value(v) for k, v in prints.items()}
        joined = "\n".join(f"{k}={v}" for k, v in sorted(values.items()) if v)
        if joined:
            path = normalize_path(file)
            return f"{rule_id}/{digest(rule_id, path, joined)}"
    if secret:
        return secret_fingerprint(rule_id, file, secret)
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


def _rule_title(rule: JsonObject, rule_id: str) -> str:
    """The title a rule descriptor gives its findings ("" when it gives none)."""
    name = rule.get("name")
    title = _rule_text(rule, "shortDescription")
    if not title and isinstance(name, str) and name != rule_id:
        title = name
    return title


def _title(from_rule: str, rule_id: str, message: str) -> str:
    title = from_rule or (message.strip().splitlines() or [rule_id])[0]
    return title[:_TITLE_LIMIT]


def _rule_text(rule: JsonObject, key: str) -> str:
    value = rule.get(key)
    said = value.get("text") if isinstance(value, dict) else None
    return said if isinstance(said, str) else ""


def _properties(holder: JsonObject) -> JsonObject:
    props = holder.get("properties")
    return props if isinstance(props, dict) else {}
