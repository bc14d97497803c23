"""A SARIF 2.1.0 export of one polyglot scan: one run per member scan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.findings.models import Finding, Occurrence
from sordino.scans.models import Scan

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _result(finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": finding.file or "."}}
    if finding.line > 0:
        location["region"] = {"startLine": finding.line}
    return {
        "ruleId": finding.rule_id or finding.type,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.title or finding.rule_id or finding.type},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"sordinoInternalId/v1": finding.internal_id},
        "properties": {"severity": finding.severity, "findingType": finding.type},
    }


def _run(session: Session, scan: Scan, app: App) -> dict[str, Any]:
    findings = list(
        session.scalars(
            select(Finding)
            .where(
                exists().where(
                    Occurrence.finding_id == Finding.id, Occurrence.scan_id == scan.id
                )
            )
            .order_by(Finding.id)
        )
    )
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        rule_id = finding.rule_id or finding.type
        rules.setdefault(
            rule_id,
            {
                "id": rule_id,
                "shortDescription": {"text": finding.title or rule_id},
                "properties": {"category": finding.category},
            },
        )
    return {
        "tool": {"driver": {"name": "sordino", "rules": list(rules.values())}},
        "automationDetails": {"id": f"{app.app_id}/{scan.id}"},
        "results": [_result(finding) for finding in findings],
    }


def export(session: Session, scans: list[tuple[Scan, App]]) -> dict[str, Any]:
    """The SARIF log of the given member scans."""
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [_run(session, scan, app) for scan, app in scans],
    }
