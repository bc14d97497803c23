"""Compliance reports of a scan: findings grouped by OWASP, CWE or PCI DSS.

The service gathers what a report shows (a summary per group, the findings
with their location, dataflow and optionally comments); ``render`` turns that
into HTML or PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.analysis import taxonomy
from sordino.apps.models import App
from sordino.findings.models import Comment, Finding
from sordino.scans.models import Scan
from sordino.scans.owasp import owasp_2025
from sordino.scans.service import findings_of

OWASP_YEARS = ("2017", "2021", "2025")
STATUSES = ("unset", "fixed", "ignored", "3rdparty", "any")
SEVERITIES = ("critical", "high", "medium", "low")
UNCATEGORIZED = "Uncategorized"


class ReportError(ValueError):
    """A report parameter that cannot be honoured."""


@dataclass
class Row:
    """One finding as a report lists it."""

    finding: Finding
    location: str
    dataflow: list[str]
    comments: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Group:
    """The findings under one heading (an OWASP entry, a CWE, a PCI requirement)."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def by_severity(self) -> dict[str, int]:
        """How many of the group's findings have each severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for row in self.rows:
            counts[row.finding.severity] = counts.get(row.finding.severity, 0) + 1
        return counts


@dataclass
class Report:
    """Everything a rendered report shows."""

    title: str
    app: App
    scan: Scan
    groups: list[Group]
    status: str
    timezone: str
    generated_at: str
    scan_completed_at: str
    with_comments: bool

    @property
    def total(self) -> int:
        """How many findings the report lists."""
        return sum(len(group.rows) for group in self.groups)

    def by_severity(self) -> dict[str, int]:
        """How many of all listed findings have each severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for group in self.groups:
            for severity, n in group.by_severity().items():
                counts[severity] = counts.get(severity, 0) + n
        return counts


def zone(name: str | None) -> ZoneInfo:
    """The time zone called ``name`` (UTC when not given)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportError(f"unknown time zone {name!r}") from exc


def when(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    """A time in the report's zone, to the minute."""
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _wanted(finding: Finding, status: str, skip_low: bool) -> bool:
    if skip_low and finding.severity == "low":
        return False
    if status == "any":
        return True
    return (finding.status or "unset") == status


def _comments(
    session: Session, ids: list[int], tz: ZoneInfo
) -> dict[int, list[dict[str, str]]]:
    found: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    for start in range(0, len(ids), 1000):
        rows = session.scalars(
            select(Comment)
            .where(Comment.finding_id.in_(ids[start : start + 1000]))
            .order_by(Comment.created_at)
        )
        for comment in rows:
            found[comment.finding_id].append(
                {
                    "author": comment.user_email,
                    "at": when(comment.created_at, tz),
                    "text": comment.comment,
                }
            )
    return found


def _row(finding: Finding) -> Row:
    location = f"{finding.file}:{finding.line}" if finding.file else ""
    steps = [
        f"{step.get('file_name', '')}:{step.get('line_number', 0)}"
        + (f" {step['method_name']}" if step.get("method_name") else "")
        for step in finding.dataflow
    ]
    return Row(finding, location, steps)


def owasp_grouper(year: str) -> Callable[[Finding], tuple[str, str]]:
    """Key and title of a finding's OWASP entry for ``year``."""
    titles = {
        "2017": taxonomy.OWASP_2017,
        "2021": taxonomy.OWASP_2021,
        "2025": taxonomy.OWASP_2025,
    }[year]

    def key(finding: Finding) -> tuple[str, str]:
        if year == "2017":
            slug = finding.owasp_category
        elif year == "2021":
            slug = finding.owasp_2021_category
        else:
            slug = owasp_2025(
                finding.category, finding.cwe, finding.owasp_2021_category
            )
        return (slug, titles[slug]) if slug in titles else ("", UNCATEGORIZED)

    return key


def cwe_key(finding: Finding) -> tuple[str, str]:
    """A finding's CWE heading."""
    if not finding.cwe:
        return ("", "No CWE")
    known = taxonomy.for_cwe(int(finding.cwe)) if finding.cwe.isdigit() else None
    name = known.name if known else finding.category
    return (finding.cwe, f"CWE-{finding.cwe}" + (f": {name}" if name else ""))


def _group_order(key: str, rank: dict[str, int]) -> tuple[int, bool, int, str]:
    number = int(key) if key.isdigit() else 0
    return (rank.get(key, len(rank)), key == "", number, key)


def _row_order(row: Row) -> tuple[int, str]:
    severity = row.finding.severity
    return (SEVERITIES.index(severity) if severity in SEVERITIES else 9, row.location)


def build(
    session: Session,
    app: App,
    scan: Scan,
    *,
    title: str,
    grouper: Callable[[Finding], tuple[str, str]],
    order: list[str],
    options: dict[str, Any],
) -> Report:
    """Gather the scan's findings for a report, grouped by ``grouper``."""
    status = options.get("status") or "unset"
    if status not in STATUSES:
        raise ReportError(f"status must be one of {', '.join(STATUSES)}")
    tz = zone(options.get("tz"))
    skip_low = bool(options.get("ignore_info_findings"))
    chosen = [
        seen.finding
        for seen in findings_of(session, scan.id)
        if _wanted(seen.finding, status, skip_low)
    ]
    notes = (
        _comments(session, [f.id for f in chosen], tz)
        if options.get("comments")
        else {}
    )
    groups: dict[str, Group] = {}
    for finding in chosen:
        key, heading = grouper(finding)
        row = _row(finding)
        row.comments = notes.get(finding.id, [])
        groups.setdefault(key, Group(key, heading)).rows.append(row)
    rank = {key: i for i, key in enumerate(order)}
    ordered = sorted(groups.values(), key=lambda g: _group_order(g.key, rank))
    for group in ordered:
        group.rows.sort(key=_row_order)
    return Report(
        title=title,
        app=app,
        scan=scan,
        groups=ordered,
        status=status,
        timezone=tz.key,
        generated_at=when(dt.datetime.now(dt.UTC), tz),
        scan_completed_at=when(scan.completed_at or scan.started_at, tz),
        with_comments=bool(options.get("comments")),
    )
