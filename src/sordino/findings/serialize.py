"""The finding as the API shows it (see COMPAT.md for what clients rely on)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.common import iso
from sordino.findings.models import Finding, FindingTag
from sordino.findings.tags import column_tags

DETAIL_DEFAULTS = {
    "vuln": {
        "name": "",
        "source_method": "",
        "sink_method": "",
        "file_locations": [],
        "tags": "",
        "ml_assisted": "false",
    },
}


def extra_tags(session: Session, finding_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The row-stored tags of several findings, in one query per 1,000 ids."""
    result: dict[int, list[dict[str, str]]] = {i: [] for i in finding_ids}
    ids = list(finding_ids)
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(FindingTag.finding_id, FindingTag.key, FindingTag.value)
            .where(FindingTag.finding_id.in_(ids[start : start + 1000]))
            .order_by(FindingTag.finding_id, FindingTag.key, FindingTag.value)
        )
        for finding_id, key, value in rows:
            result[finding_id].append({"key": key, "value": value})
    return result


def details(finding: Finding) -> dict[str, Any]:
    """The ``details`` object for the finding's type."""
    result: dict[str, Any] = dict(DETAIL_DEFAULTS.get(finding.type, {}))
    if finding.type == "vuln":
        result["name"] = finding.rule_id
        if finding.file:
            result["file_locations"] = [f"{finding.file}:{finding.line}"]
    elif finding.type in ("extscan", "secret"):
        result.update(fileName=finding.file, lineNumber=finding.line)
    result.update(finding.details)
    if finding.type == "extscan" and "lineNumber" in result:
        result["lineNumber"] = _int(result["lineNumber"])
    return result


def dataflow(finding: Finding) -> dict[str, Any]:
    """``details.dataflow`` in the wire form: a list whose last element is the sink."""
    elements = []
    for step in finding.dataflow:
        elements.append(
            {
                "location": {
                    "file_name": step.get("file_name", ""),
                    "line_number": _int(step.get("line_number", 0)),
                    "method_name": step.get("method_name", ""),
                    "short_method_name": step.get("short_method_name", ""),
                    "class_name": step.get("class_name", ""),
                },
                "method_tags": list(step.get("method_tags", [])),
                "parameter_tags": list(step.get("parameter_tags", [])),
            }
        )
    return {"list": elements}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def read(
    finding: Finding,
    *,
    app_id: str,
    tags: list[dict[str, str]],
    include_dataflows: bool = False,
    exclude: Iterable[str] = (),
    scan_first_seen: str | None = None,
) -> dict[str, Any]:
    """One finding in the wire shape; ``exclude`` holds ``-description`` style names."""
    dropped = {name.lstrip("-") for name in exclude}
    body: dict[str, Any] = {
        "id": str(finding.id),
        "app": app_id,
        "type": finding.type,
        "title": finding.title,
        "description": finding.description,
        "internal_id": finding.internal_id,
        "severity": finding.severity,
        "category": finding.category or "",
        "owasp_category": finding.owasp_category or "",
        "status": finding.status or "unset",
        "assignee": finding.assignee or "",
        "version_first_seen": finding.version_first_seen,
        "scan_first_seen": scan_first_seen or str(finding.scan_first_seen),
        "created_at": iso(finding.created_at),
        "tags": column_tags(finding) + tags,
        "details": details(finding),
        "related_findings": {},
    }
    if include_dataflows and "details" not in dropped:
        body["details"]["dataflow"] = dataflow(finding)
    for name in dropped & {"description", "details", "related_findings"}:
        body.pop(name)
    return body
