"""HTTP routes for scans of an app (#24, #102, #103, #105, #106, #110)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from sordino.api.deps import AppContext, AppScope
from sordino.api.envelope import ok
from sordino.api.errors import NotFound, ValidationFailed
from sordino.checks import service as checks
from sordino.scans import service
from sordino.scans.models import Scan
from sordino.scans.owasp import owasp_counts
from sordino.scans.schemas import comparison_read, scan_reads

router = APIRouter()
Body = dict[str, Any]
ScansRead = Annotated[AppContext, Depends(AppScope("scans:read"))]


def _scan(ctx: AppContext, scan_id: str) -> Scan:
    try:
        return service.get(ctx.session, ctx.app, scan_id)
    except service.ScanNotFound as exc:
        raise NotFound(str(exc)) from exc


@router.get("/orgs/{orgID}/apps/{appID}/scans", tags=["scans"])
def list_scans(
    ctx: ScansRead,
    tags: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 10,
    status: Annotated[str | None, Query(pattern=service.STATUS_PATTERN)] = None,
) -> Body:
    """The app's most recent scans, newest first.

    ``status`` is not in the reference for app scans; it filters as on a
    compound's scans, by each scan's ``status`` field.
    """
    try:
        wanted = service.parse_tags(tags or [])
    except service.BadReference as exc:
        raise ValidationFailed(str(exc), validation_errors=["tags"]) from exc
    found = service.list_scans(ctx.session, ctx.app, wanted, limit, status=status)
    return ok({"scans": scan_reads(ctx.session, found, ctx.app)})


@router.get("/orgs/{orgID}/apps/{appID}/scans/compare", tags=["scans"])
def compare_scans(
    ctx: Annotated[AppContext, Depends(AppScope("findings:list"))],
    source: str,
    target: str,
) -> Body:
    """New, fixed and common findings between two scans."""
    try:
        before = service.resolve(ctx.session, ctx.app, source)
        after = service.resolve(ctx.session, ctx.app, target)
    except service.BadReference as exc:
        raise ValidationFailed(str(exc), validation_errors=["source/target"]) from exc
    except service.ScanNotFound as exc:
        raise NotFound(str(exc)) from exc
    comparison = service.compare(ctx.session, before, after)
    return ok(comparison_read(ctx.session, comparison, ctx.app))


@router.get("/orgs/{orgID}/apps/{appID}/scans/{scanID}", tags=["scans"])
def get_scan(scanID: str, ctx: ScansRead) -> Body:  # noqa: N803 (reference name)
    """One scan with its counts (a one-element list, as the reference has it)."""
    return ok(scan_reads(ctx.session, [_scan(ctx, scanID)], ctx.app))


@router.get("/orgs/{orgID}/apps/{appID}/scans/{scanID}/report", tags=["scans"])
def check_report(scanID: str, ctx: ScansRead) -> Body:  # noqa: N803
    """The check-analysis results stored for the scan."""
    return ok(checks.reports(ctx.session, _scan(ctx, scanID)))


@router.get("/orgs/{orgID}/apps/{appID}/scans/{scanID}/owasp_counts", tags=["scans"])
def get_owasp_counts(
    scanID: str,  # noqa: N803
    ctx: Annotated[AppContext, Depends(AppScope("project:read"))],
) -> Body:
    """Finding categories counted under each OWASP Top 10 entry."""
    return ok(owasp_counts(ctx.session, _scan(ctx, scanID).id))


@router.get("/orgs/{orgID}/apps/{appID}/scanbranches", tags=["branches"])
def scan_branches(ctx: ScansRead) -> Body:
    """Every scanned branch of the app with its scan count."""
    return ok(service.branches(ctx.session, ctx.app))
