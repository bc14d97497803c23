"""Incremental, batched import of OSV advisories into the local database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sordino.db import table_of
from sordino.vulndb.matching import clear_caches
from sordino.vulndb.models import Advisory, AffectedPackage, VulnDbImport
from sordino.vulndb.reader import (
    Document,
    advisory_row,
    affected_rows,
    digest,
    iter_documents,
)

log = structlog.get_logger(__name__)

BATCH = 1000


@dataclass
class ImportStats:
    """What one import did."""

    source: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        """Advisories written (new or modified)."""
        return self.inserted + self.updated


def import_path(session: Session, path: Path) -> ImportStats:
    """Import advisories at ``path``, skipping any whose content is unchanged.

    Unreadable or malformed documents are skipped and listed in the stats;
    the others are imported.
    """
    started = dt.datetime.now(dt.UTC)
    stats = ImportStats(source=str(path))
    documents = iter_documents(path)
    while batch := list(itertools.islice(documents, BATCH)):
        _import_batch(session, batch, stats)
    stats.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    if stats.changed:
        clear_caches()
    session.execute(
        insert(VulnDbImport),
        [
            {
                "source": stats.source,
                "count": stats.read,
                "inserted": stats.inserted,
                "updated": stats.updated,
                "unchanged": stats.unchanged,
                "failed": len(stats.errors),
                "imported_at": dt.datetime.now(dt.UTC),
            }
        ],
    )
    session.flush()
    log.info(
        "vulndb.imported",
        source=stats.source,
        read=stats.read,
        inserted=stats.inserted,
        updated=stats.updated,
        unchanged=stats.unchanged,
        errors=len(stats.errors),
    )
    return stats


def _import_batch(session: Session, batch: list[Document], stats: ImportStats) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for document in batch:
        if document.data is None:
            stats.errors.append(f"{document.name}: {document.error}")
            continue
        stats.read += 1
        latest[document.data["id"]] = document.data
    known = _known_digests(session, latest)
    new, changed = [], []
    for advisory_id, data in latest.items():
        if advisory_id not in known:
            new.append(data)
        elif known[advisory_id] != digest(data):
            changed.append(data)
        else:
            stats.unchanged += 1
    if changed:
        ids = [d["id"] for d in changed]
        session.execute(
            delete(AffectedPackage).where(AffectedPackage.advisory_id.in_(ids))
        )
        session.execute(delete(Advisory).where(Advisory.id.in_(ids)))
    _insert(session, [*new, *changed], stats.source)
    stats.inserted += len(new)
    stats.updated += len(changed)


def _known_digests(session: Session, latest: dict[str, Any]) -> dict[str, str]:
    if not latest:
        return {}
    rows = session.execute(
        select(Advisory.id, Advisory.digest).where(Advisory.id.in_(list(latest)))
    )
    return {row.id: row.digest for row in rows}


def _insert(session: Session, documents: Iterable[dict[str, Any]], source: str) -> None:
    advisories, affected = [], []
    for data in documents:
        advisories.append(advisory_row(data, source))
        affected += affected_rows(data)
    # Core executemany on the tables: the ORM bulk path costs more than the I/O.
    connection = session.connection()
    if advisories:
        connection.execute(insert(table_of(Advisory)), advisories)
    if affected:
        connection.execute(insert(table_of(AffectedPackage)), affected)
