"""Counts and findings summaries, aggregated by the database.

The database groups findings (one GROUP BY, cached per scan by
``findings.cache``); Python only folds the grouped rows, a handful per scan,
into the wire shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import Session

from sordino.findings.cache import GROUPED, Group, cached_groups

# Summaries use the reference's three severity bands.
BANDS = {"critical": "critical", "high": "critical", "medium": "moderate"}
COUNT_KEYS = ("severity", "category", "owasp_category", "language")


def _bucket() -> dict[str, int]:
    return {"total": 0, "total_fixed": 0, "total_ignored": 0}


def _add(bucket: dict[str, int], status: str, count: int) -> None:
    bucket["total"] += count
    if status == "fixed":
        bucket["total_fixed"] += count
    elif status == "ignored":
        bucket["total_ignored"] += count


def _trim(bucket: dict[str, int]) -> dict[str, int]:
    """Leave out zero fixed/ignored totals, as the reference's examples do."""
    return {k: v for k, v in bucket.items() if v or k == "total"}


class _TypeSummary:
    """The summary of one finding type, built from grouped rows."""

    def __init__(self, finding_type: str) -> None:
        self.type = finding_type
        self.totals = _bucket()
        self.reachable = 0
        self.by: dict[str, dict[str, dict[str, int]]] = {
            "by_severity": {},
            "by_category": {},
            "by_assignee": {},
        }

    def add(self, row: Any) -> None:
        _add(self.totals, row.status, row.n)
        if row.reachable:
            self.reachable += row.n
        keys = {
            "by_severity": BANDS.get(row.severity, "info"),
            "by_category": row.category,
            "by_assignee": row.assignee,
        }
        for name, key in keys.items():
            if key:
                _add(self.by[name].setdefault(key, _bucket()), row.status, row.n)

    def wire(self) -> dict[str, Any]:
        return {
            "finding_type": self.type,
            "total": self.totals["total"],
            "total_reachable": self.reachable,
            "total_ignored": self.totals["total_ignored"],
            "total_fixed": self.totals["total_fixed"],
            **{
                name: {k: _trim(v) for k, v in sorted(buckets.items())}
                for name, buckets in self.by.items()
            },
        }


def _empty() -> dict[str, Any]:
    return {
        "counts": [],
        "findings_summaries": [],
        "total": 0,
        "total_fixed": 0,
        "total_ignored": 0,
    }


def scan_summaries(
    session: Session, scan_ids: Sequence[int], types: Sequence[str] = ()
) -> dict[int, dict[str, Any]]:
    """Per scan: ``counts``, ``findings_summaries`` and totals of its findings."""
    grouped = grouped_rows(session, scan_ids, types)
    return {scan_id: fold(rows) for scan_id, rows in grouped.items()}


def grouped_rows(
    session: Session, scan_ids: Sequence[int], types: Sequence[str] = ()
) -> dict[int, list[Group]]:
    """Per scan, its findings grouped by the columns summaries need (cached)."""
    grouped = cached_groups(session, scan_ids)
    if not types:
        return grouped
    return {
        scan_id: [g for g in groups if g.type in types]
        for scan_id, groups in grouped.items()
    }


def fold(rows: Iterable[Any]) -> dict[str, Any]:
    """Grouped rows (type, severity, category, assignee, status, reachable, n)."""
    result = _empty()
    per_type: dict[str, _TypeSummary] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows:
        per_type.setdefault(row.type, _TypeSummary(row.type)).add(row)
        for key in ("severity", "category"):
            value = getattr(row, key)
            if value:
                slot = (row.type, key, value)
                counts[slot] = counts.get(slot, 0) + row.n
        result["total"] += row.n
        if row.status in ("fixed", "ignored"):
            result[f"total_{row.status}"] += row.n
    result["counts"] = [
        {"finding_type": t, "key": k, "value": v, "count": n}
        for (t, k, v), n in sorted(counts.items())
    ]
    result["findings_summaries"] = [per_type[t].wire() for t in sorted(per_type)]
    return result


def counts(groups: Iterable[Group]) -> list[dict[str, Any]]:
    """The ``counts`` of a listing: findings per type and value of each key."""
    tally: dict[tuple[str, str, str], int] = {}
    for group in groups:
        for key in COUNT_KEYS:
            value = getattr(group, key)
            if value:
                slot = (group.type, key, value)
                tally[slot] = tally.get(slot, 0) + group.n
    return [
        {"finding_type": t, "key": k, "value": v, "count": n}
        for (t, k, v), n in sorted(tally.items())
    ]


def selected_groups(session: Session, filtered: Select[Any]) -> list[Group]:
    """The findings a filtered statement selects, grouped in one query."""
    statement = filtered.with_only_columns(*GROUPED, func.count()).group_by(*GROUPED)
    return [Group(*row) for row in session.execute(statement.order_by(None))]
