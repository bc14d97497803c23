"""Background jobs: analysing uploaded source archives.

A queued scan is a row with status ``queued`` and its archive in
``source_archives``. The job extracts the archive into a scratch directory,
runs the same analysis ``sordino analyze`` runs, and ingests the result into
that scan. A sweep re-enqueues queued scans whose job was lost.
"""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import tempfile
from pathlib import Path

import structlog
from huey import Huey, crontab
from sqlalchemy import select

from sordino.apps.models import App
from sordino.db import Database, utcnow
from sordino.ingest.bundle import EngineFailure, ScanBundle, analysis_succeeded
from sordino.ingest.service import ingest
from sordino.scans.models import Scan, SourceArchive

log = structlog.get_logger()
MAX_EXTRACTED_BYTES = 2 * 1024**3
STALE_AFTER = dt.timedelta(minutes=15)
STUCK_AFTER = dt.timedelta(hours=2)


class ArchiveError(ValueError):
    """The uploaded archive cannot be unpacked safely."""


def extract(content: bytes, target: Path) -> Path:
    """Unpack a tar archive (any compression) with the ``data`` safety filter."""
    try:
        archive = tarfile.open(  # noqa: SIM115 (closed by the with block below)
            fileobj=io.BytesIO(content), mode="r:*"
        )
    except tarfile.TarError as exc:
        raise ArchiveError(f"not a tar archive: {exc}") from exc
    with archive:
        members = archive.getmembers()
        if sum(m.size for m in members) > MAX_EXTRACTED_BYTES:
            raise ArchiveError("the archive unpacks to more than 2 GiB")
        try:
            archive.extractall(target, members=members, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise ArchiveError(f"cannot unpack the archive: {exc}") from exc
    return target


def analyze_queued(db: Database, scan_id: int) -> str:
    """Analyse a queued scan's archive and ingest the result; return its status."""
    from sordino.analysis.runner import AnalysisError, analyze

    with db.session() as session:
        scan = session.get(Scan, scan_id)
        archive = session.get(SourceArchive, scan_id)
        if scan is None or scan.status not in ("queued", "running"):
            return scan.status if scan else "missing"
        if archive is None:
            return _fail(db, scan_id, "the source archive is gone")
        scan.status = "running"
        content = archive.content
        app = session.get(App, scan.app_pk)
        assert app is not None
        meta = (app.app_id, scan.version, scan.branch, dict(scan.tags), scan.org_id)
    app_id, version, branch, tags, org_id = meta
    with tempfile.TemporaryDirectory(prefix="sordino-remote-") as scratch:
        try:
            root = extract(content, Path(scratch) / "src")
            bundle = analyze(
                root, app=app_id, version=version, branch=branch, tags=tags
            )
        except (ArchiveError, AnalysisError) as exc:
            return _fail(db, scan_id, str(exc))
    bundle.source = "remote"
    with db.session() as session:
        scan = session.get(Scan, scan_id)
        assert scan is not None
        complete(scan, bundle)
        ingest(session, org_id, bundle, scan=scan)
        archive = session.get(SourceArchive, scan_id)
        if archive is not None:
            session.delete(archive)
    log.info("scan.analysed", scan=scan_id, findings=len(bundle.findings))
    return "completed"


def complete(scan: Scan, bundle: ScanBundle) -> None:
    """Fill a queued scan's row from the finished analysis."""
    scan.status = "completed"
    scan.language = bundle.language
    scan.languages = list(bundle.languages)
    scan.failures = [f.model_dump() for f in bundle.failures]
    scan.successful = analysis_succeeded(bundle.failures)
    scan.stats = dict(bundle.stats)
    scan.started_at = bundle.started_at or scan.started_at
    scan.completed_at = bundle.completed_at or utcnow()


def _fail(db: Database, scan_id: int, message: str) -> str:
    with db.session() as session:
        scan = session.get(Scan, scan_id)
        if scan is not None:
            scan.status = "failed"
            scan.successful = False
            scan.completed_at = utcnow()
            failure = EngineFailure(engine="remote", reason="crashed", message=message)
            scan.failures = [failure.model_dump()]
    log.warning("scan.failed", scan=scan_id, reason=message)
    return "failed"


def stale_scans(db: Database) -> list[int]:
    """Queued scans older than the stale limit, whose job may have been lost."""
    now = utcnow()
    with db.session() as session:
        return list(
            session.scalars(
                select(Scan.id).where(
                    ((Scan.status == "queued") & (Scan.created_at < now - STALE_AFTER))
                    | (
                        (Scan.status == "running")
                        & (Scan.created_at < now - STUCK_AFTER)
                    )
                )
            )
        )


class Jobs:
    """The jobs of one huey instance, bound to one database."""

    def __init__(self, huey: Huey, db: Database) -> None:
        self.huey = huey
        self.db = db
        self.analyze = huey.task(retries=1, retry_delay=30, name="analyze_source")(
            self._analyze
        )
        huey.periodic_task(crontab(minute="*/5"), name="requeue_stale")(self._sweep)

    def _analyze(self, scan_id: int) -> str:
        return analyze_queued(self.db, scan_id)

    def _sweep(self) -> None:
        for scan_id in stale_scans(self.db):
            log.info("scan.requeued", scan=scan_id)
            self.analyze(scan_id)

    def enqueue_analysis(self, scan_id: int) -> None:
        """Queue the analysis of a scan (runs at once in immediate mode)."""
        self.analyze(scan_id)
