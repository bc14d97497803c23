"""Wire shapes of scan responses: a scan with its counts, and diffed findings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.findings import serialize as findings
from sordino.findings.summary import scan_summaries
from sordino.scans import serialize
from sordino.scans.models import Scan
from sordino.scans.service import Comparison, Seen


def scan_reads(session: Session, scans: list[Scan], app: App) -> list[dict[str, Any]]:
    """Scans with ``counts``, ``findings_summaries`` and totals (one query)."""
    summaries = scan_summaries(session, [scan.id for scan in scans])
    return [{**serialize.read(s, app), **summaries[s.id]} for s in scans]


def _seen_reads(session: Session, app: App, seen: list[Seen]) -> list[dict[str, Any]]:
    tags = findings.extra_tags(session, [s.finding.id for s in seen])
    return [
        {
            **findings.read(s.finding, app_id=app.app_id, tags=tags[s.finding.id]),
            "regression": s.regression,
        }
        for s in seen
    ]


def comparison_read(
    session: Session, comparison: Comparison, app: App
) -> dict[str, Any]:
    """The compare response: both scans and the new, fixed and common findings."""
    return {
        "source": serialize.read(comparison.source, app),
        "target": serialize.read(comparison.target, app),
        "new": _seen_reads(session, app, comparison.new),
        "fixed": _seen_reads(session, app, comparison.fixed),
        "common": _seen_reads(session, app, comparison.common),
    }
