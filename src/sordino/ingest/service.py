"""Ingest: the one path by which findings and packages enter sordino.

A ``ScanBundle`` becomes a scan. Each finding gets its identity (fingerprint),
duplicates within the scan collapse, known findings keep their id, status,
assignee and comments, and findings that come back after being gone are
marked as regressions. All writes are batched Core statements.

TODO(#3): a 50,000-result SARIF goes in at about 10,400 findings/s end to end
on the 2-core machine (bench/bench_ingest.py), half the 20,000/s aim; SQLite's
inserts into the indexed tables, JSON encoding of the details and building the
rows are what remain (see bench/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from sordino.analysis import fingerprint as fp
from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.db import bulk_insert, bulk_update, max_length, table_of, utcnow
from sordino.findings import cache as findings_cache
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.findings.tags import NOT_ROWS, cvss_rating
from sordino.ingest.bundle import (
    FindingRecord,
    PackageRecord,
    ScanBundle,
    analysis_succeeded,
)
from sordino.ingest.columns import Fitter, fit, fit_id, json_text
from sordino.sca import service as sca
from sordino.sca.models import Package
from sordino.scans.models import Scan, ScanTag

log = structlog.get_logger()
BATCH = 2000
SEVERITY_SCORE = {"critical": 9.0, "high": 7.5, "medium": 5.0, "low": 2.0}
_FINDINGS = Fitter(table_of(Finding))
_PACKAGES = Fitter(table_of(Package))
_TAG_KEY = max_length(FindingTag.key)
_TAG_VALUE = max_length(FindingTag.value)


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did."""

    scan: Scan
    app: App
    findings: int
    new: int
    regressions: int
    duplicates: int
    packages: int


def identify(records: Sequence[FindingRecord]) -> list[tuple[str, FindingRecord]]:
    """Give every record its ``internal_id``; exact duplicates are dropped."""
    seen: set[tuple[Any, ...]] = set()
    unique: list[FindingRecord] = []
    for record in records:
        key = (
            record.type,
            record.rule_id,
            record.file,
            record.line,
            record.title,
            record.fingerprint or record.snippet,
        )
        if key not in seen:
            seen.add(key)
            unique.append(record)
    limit = max_length(Finding.internal_id)
    ids = [fit_id(i, limit) for i in fp.disambiguate(map(_fingerprint, unique))]
    chosen: dict[str, FindingRecord] = {}
    for internal_id, record in zip(ids, unique, strict=True):
        chosen.setdefault(internal_id, record)
    return list(chosen.items())


def _fingerprint(record: FindingRecord) -> str:
    if record.fingerprint:
        if "/" in record.fingerprint:
            return record.fingerprint
        return f"{_rule_slug(record.rule_id)}/{record.fingerprint}"
    if record.type in ("package", "oss_vuln"):
        purl = record.tags.get("package_url", record.rule_id).split("@")[0]
        advisory = "" if record.type == "package" else record.rule_id
        return fp.package_fingerprint(purl, advisory)
    return fp.code_fingerprint(
        _rule_slug(record.rule_id), record.file, record.snippet, str(record.line)
    )


def _rule_slug(rule_id: str) -> str:
    return rule_id.replace("/", ".") or "finding"


@dataclass(slots=True)
class _Row:
    """One identified finding on its way to the database."""

    internal_id: str
    values: dict[str, Any]  # column values in storage form (JSON as text)
    tags: dict[str, str]  # the tags that have no column of their own
    line: int
    suppressed: bool
    id: int = 0


def _row(record: FindingRecord, internal_id: str, org_id: str, app_pk: int) -> _Row:
    score = record.cvss_score
    if score is None or cvss_rating(score) != record.severity:
        # The severity is authoritative; a score that contradicts it (a
        # category default, say) would mislead clients filtering on ratings.
        score = SEVERITY_SCORE[record.severity]
    cwe = str(record.cwe[0]) if record.cwe else record.tags.get("cwe_category", "")
    details = record.details
    if (record.source_method and "source_method" not in details) or (
        record.sink_method and "sink_method" not in details
    ):
        details = dict(details)
        if record.source_method:
            details.setdefault("source_method", record.source_method)
        if record.sink_method:
            details.setdefault("sink_method", record.sink_method)
    values = {
        "org_id": org_id,
        "app_pk": app_pk,
        "internal_id": internal_id,
        "type": record.type,
        "rule_id": record.rule_id,
        "title": record.title,
        "description": record.description,
        "severity": record.severity,
        "cvss_score": float(score),
        "category": record.category,
        "owasp_category": record.owasp_2017,
        "owasp_2021_category": record.owasp_2021,
        "cwe": cwe,
        "language": record.language,
        "engine": record.engine,
        "file": fp.normalize_path(record.file) if record.file else "",
        "line": record.line,
        "details": json_text(details),
        "dataflow": json_text([step.model_dump() for step in record.dataflow]),
        "remediation": record.remediation,
        "fixes": json_text(record.fixes),
        "reachable": record.reachable,
    }
    # Report text may not fit its column as it is (see ingest.columns).
    _FINDINGS.row(values)
    tags = {
        fit(k, _TAG_KEY): fit(str(v), _TAG_VALUE)
        for k, v in record.tags.items()
        if k not in NOT_ROWS
    }
    return _Row(internal_id, values, tags, record.line, record.suppressed)


def _batches(rows: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def create_scan(session: Session, org_id: str, app: App, bundle: ScanBundle) -> Scan:
    """A completed-scan row for ``bundle`` (its findings are added by ``ingest``)."""
    now = utcnow()
    tags = dict(bundle.tags)
    if bundle.branch:
        tags.setdefault("branch", bundle.branch)
    scan = Scan(
        org_id=org_id,
        app_pk=app.pk,
        status="completed",
        version=bundle.version,
        branch=bundle.branch,
        tags=tags,
        language=fit(bundle.language, max_length(Scan.language)),
        languages=list(bundle.languages),
        source=fit(bundle.source, max_length(Scan.source)),
        agent=fit(bundle.agent, max_length(Scan.agent)),
        successful=analysis_succeeded(bundle.failures),
        failures=[failure.model_dump() for failure in bundle.failures],
        stats=dict(bundle.stats),
        started_at=bundle.started_at or now,
        completed_at=bundle.completed_at or now,
    )
    session.add(scan)
    session.flush()
    if tags:
        rows = [{"scan_id": scan.id, "key": k, "value": v} for k, v in tags.items()]
        session.execute(insert(ScanTag), rows)
    return scan


def ingest(
    session: Session, org_id: str, bundle: ScanBundle, *, scan: Scan | None = None
) -> IngestResult:
    """Store ``bundle`` as a scan of its app (created on first use)."""
    sca.enrich(session, bundle)
    app = apps.ensure(session, org_id, bundle.app, bundle.app_name)
    apps.lock(session, app)
    if bundle.platform and not app.platform:
        app.platform = fit(bundle.platform, max_length(App.platform))
    if bundle.branch and not app.default_branch:
        # An app's first branch is its default until someone sets another.
        app.default_branch = bundle.branch
    if scan is None:
        scan = create_scan(session, org_id, app, bundle)
    identified = identify(bundle.findings)
    duplicates = len(bundle.findings) - len(identified)
    rows = [_row(r, internal_id, org_id, app.pk) for internal_id, r in identified]
    existing = _existing(session, app.pk, [row.internal_id for row in rows])
    previous = _previous_scan_findings(session, app.pk, scan.id)
    new_rows = [row for row in rows if row.internal_id not in existing]
    old_rows = [row for row in rows if row.internal_id in existing]
    _insert_new(session, new_rows, bundle.version, scan.id, app.pk)
    regressions = _update_known(session, old_rows, existing, previous, scan.id)
    _write_tags(session, rows, replace=[row.id for row in old_rows])
    _write_occurrences(session, rows, scan.id, regressions)
    _suppress(session, rows)
    packages = _write_packages(session, org_id, scan.id, bundle.packages)
    sca.record_counts(session, scan.id)
    findings_cache.invalidate(session, app.pk)
    log.info(
        "scan.ingested",
        org=org_id,
        app=app.app_id,
        scan=scan.id,
        findings=len(rows),
        new=len(new_rows),
        regressions=len(regressions),
        packages=packages,
    )
    return IngestResult(
        scan, app, len(rows), len(new_rows), len(regressions), duplicates, packages
    )


def _existing(session: Session, app_pk: int, internal_ids: list[str]) -> dict[str, int]:
    if not internal_ids:
        return {}
    # One scan of the app's findings beats thousands of IN lists; the app's
    # findings are mostly the ones being ingested again anyway.
    found = session.execute(
        select(Finding.internal_id, Finding.id).where(Finding.app_pk == app_pk)
    ).tuples()
    wanted = set(internal_ids)
    return {internal_id: id_ for internal_id, id_ in found if internal_id in wanted}


def _previous_scan_findings(session: Session, app_pk: int, scan_id: int) -> set[int]:
    previous = session.scalar(
        select(Scan.id)
        .where(Scan.app_pk == app_pk, Scan.id < scan_id, Scan.status == "completed")
        .order_by(Scan.id.desc())
        .limit(1)
    )
    if previous is None:
        return set()
    return set(
        session.scalars(
            select(Occurrence.finding_id).where(Occurrence.scan_id == previous)
        )
    )


def _stored_time(session: Session, moment: dt.datetime) -> Any:
    """A timestamp as the driver stores it (SQLite keeps text)."""
    if session.connection().dialect.name == "sqlite":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def _insert_new(
    session: Session, rows: list[_Row], version: str, scan_id: int, app_pk: int
) -> None:
    if not rows:
        return
    connection = session.connection()
    table = table_of(Finding)
    first_seen = {
        "version_first_seen": version,
        "scan_first_seen": scan_id,
        "scan_last_seen": scan_id,
        "created_at": _stored_time(session, utcnow()),
        "status": "",
        "assignee": "",
    }
    for batch in _batches(rows):
        values = [row.values for row in batch]
        bulk_insert(connection, table, values, constants=first_seen)
    found = session.execute(
        select(Finding.internal_id, Finding.id).where(
            Finding.app_pk == app_pk, Finding.scan_first_seen == scan_id
        )
    ).tuples()
    ids = dict(found.all())
    for row in rows:
        row.id = ids[row.internal_id]


_FROZEN = frozenset({"org_id", "app_pk", "internal_id"})


def _update_known(
    session: Session,
    rows: list[_Row],
    existing: dict[str, int],
    previous: set[int],
    scan_id: int,
) -> set[int]:
    regressions: set[int] = set()
    updates = []
    for row in rows:
        row.id = existing[row.internal_id]
        if previous and row.id not in previous:
            regressions.add(row.id)
        values = {k: v for k, v in row.values.items() if k not in _FROZEN}
        values["id"] = row.id
        updates.append(values)
    connection = session.connection()
    table = table_of(Finding)
    last_seen = {"scan_last_seen": scan_id}
    for batch in _batches(updates):
        bulk_update(connection, table, batch, constants=last_seen)
    return regressions


def _write_tags(session: Session, rows: list[_Row], replace: list[int]) -> None:
    for batch in _batches(replace):
        session.execute(delete(FindingTag).where(FindingTag.finding_id.in_(batch)))
    tag_rows = [
        {"finding_id": row.id, "key": key, "value": str(value)}
        for row in rows
        for key, value in row.tags.items()
    ]
    for batch in _batches(tag_rows, 5000):
        bulk_insert(session.connection(), table_of(FindingTag), batch)


def _write_occurrences(
    session: Session, rows: list[_Row], scan_id: int, regressions: set[int]
) -> None:
    occurrences = [
        {"finding_id": row.id, "line": row.line, "regression": row.id in regressions}
        for row in rows
    ]
    for batch in _batches(occurrences, 5000):
        bulk_insert(
            session.connection(),
            table_of(Occurrence),
            batch,
            constants={"scan_id": scan_id},
        )


def _suppress(session: Session, rows: list[_Row]) -> None:
    """Findings the tool itself suppressed start out ignored, unless triaged."""
    ids = [row.id for row in rows if row.suppressed]
    for batch in _batches(ids):
        session.execute(
            update(Finding)
            .where(Finding.id.in_(batch), Finding.status == "")
            .values(status="ignored")
        )


def _write_packages(
    session: Session, org_id: str, scan_id: int, packages: list[PackageRecord]
) -> int:
    now = utcnow()
    unique = {(p.purl, p.location): p for p in packages}
    rows = [
        _PACKAGES.row(
            {**p.model_dump(), "org_id": org_id, "scan_id": scan_id, "created_at": now}
        )
        for p in unique.values()
    ]
    for batch in _batches(rows):
        session.connection().execute(insert(table_of(Package)), list(batch))
    return len(rows)
