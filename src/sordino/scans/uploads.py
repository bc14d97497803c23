"""Uploads: bundles, SARIF and CycloneDX reports, and source archives.

Every upload becomes a scan through the one ingest service. The body is
spooled to disk while it arrives, so large reports are never held whole in
memory, and a report that cannot be read stores nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any

from sqlalchemy.orm import Session

from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.importers import InvalidReportError, load
from sordino.ingest.bundle import ScanBundle
from sordino.ingest.service import IngestResult, ingest
from sordino.rbac.access import Principal
from sordino.scans import serialize
from sordino.scans.models import Scan, ScanTag, SourceArchive

SPOOL_IN_MEMORY = 4 * 1024 * 1024
KINDS = ("bundle", "sarif", "cyclonedx")
ARCHIVE_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ")


class UploadError(ValueError):
    """An upload that cannot become a scan; ``location`` says where it is wrong."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location


async def spool(chunks: AsyncIterator[bytes]) -> IO[bytes]:
    """Copy a request body into a temporary file (in memory while small)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    async for chunk in chunks:
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def parse(
    stream: IO[bytes], *, kind: str, app_id: str, meta: dict[str, Any]
) -> ScanBundle:
    """Read an uploaded report into a bundle, refusing a mismatched format."""
    if stream.read(1) == b"":
        raise UploadError("the upload is empty")
    stream.seek(0)
    try:
        bundle = load(stream, app=app_id)
    except InvalidReportError as exc:
        raise UploadError(exc.message, exc.location) from exc
    if kind != "bundle" and bundle.source != kind:
        raise UploadError(f"expected a {kind} document, got {bundle.source}")
    bundle.app = app_id
    for key in ("version", "branch"):
        if meta.get(key):
            setattr(bundle, key, meta[key])
    bundle.tags.update(meta.get("tags", {}))
    return bundle


def receive(
    session: Session,
    principal: Principal,
    stream: IO[bytes],
    *,
    kind: str,
    app_id: str,
    meta: dict[str, Any],
) -> IngestResult:
    """Parse an uploaded report and ingest it."""
    bundle = parse(stream, kind=kind, app_id=app_id, meta=meta)
    return store(session, principal, bundle)


def store(session: Session, principal: Principal, bundle: ScanBundle) -> IngestResult:
    """Ingest an uploaded bundle for an app the caller may write to."""
    app = apps.get_by_app_id(session, principal.org_id, bundle.app)
    if app is not None and not principal.can_see(app):
        raise UploadError(f"no app with id {bundle.app!r}")
    return ingest(session, principal.org_id, bundle)


def summary(result: IngestResult) -> dict[str, Any]:
    """What the client is told about an ingested upload."""
    return {
        "scan": serialize.read(result.scan, result.app),
        "findings": result.findings,
        "new": result.new,
        "regressions": result.regressions,
        "duplicates": result.duplicates,
        "packages": result.packages,
    }


def queue_source(
    session: Session,
    principal: Principal,
    app_id: str,
    content: bytes,
    meta: dict[str, Any],
) -> tuple[Scan, App]:
    """Record a queued scan holding the archive until a worker analyses it."""
    if not content.startswith(ARCHIVE_MAGIC) and content[257:262] != b"ustar":
        raise UploadError("expected a tar archive (optionally gzip, bzip2 or xz)")
    app = apps.get_by_app_id(session, principal.org_id, app_id)
    if app is not None and not principal.can_see(app):
        raise UploadError(f"no app with id {app_id!r}")
    app = app or apps.ensure(session, principal.org_id, app_id)
    tags = dict(meta.get("tags", {}))
    if meta.get("branch"):
        tags.setdefault("branch", meta["branch"])
    scan = Scan(
        org_id=principal.org_id,
        app_pk=app.pk,
        status="queued",
        version=meta.get("version") or "",
        branch=meta.get("branch") or "",
        tags=tags,
        source="remote",
        completed_at=None,
    )
    session.add(scan)
    session.flush()
    for key, value in tags.items():
        session.add(ScanTag(scan_id=scan.id, key=key, value=value))
    session.add(SourceArchive(scan_id=scan.id, content=content))
    session.flush()
    return scan, app
