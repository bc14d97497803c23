"""HTTP routes for scan reports: OWASP, CWE and PCI DSS (#85-#87) and SARIF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from sordino.analysis import taxonomy
from sordino.api.deps import AppContext, AppScope
from sordino.api.errors import NotFound, ValidationFailed
from sordino.reports import pci, render, sarif
from sordino.reports import service as reports
from sordino.scans import service as scans
from sordino.scans.models import Scan

router = APIRouter()
FindingsList = Annotated[AppContext, Depends(AppScope("findings:list"))]
EXTENSIONS = ("html", "pdf")
_ORDERS = {
    "2017": list(taxonomy.OWASP_2017),
    "2021": list(taxonomy.OWASP_2021),
    "2025": list(taxonomy.OWASP_2025),
}


def _scan(ctx: AppContext, scan_id: str) -> Scan:
    try:
        return scans.get(ctx.session, ctx.app, scan_id)
    except scans.ScanNotFound as exc:
        raise NotFound(str(exc)) from exc


def _respond(report: reports.Report, ext: str, name: str) -> Response:
    if ext == "pdf":
        return Response(
            render.pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )
    return Response(render.html(report), media_type="text/html; charset=utf-8")


def _build(
    ctx: AppContext, scan: Scan, title: str, grouper: Any, order: list[str], **opts: Any
) -> reports.Report:
    try:
        return reports.build(
            ctx.session,
            ctx.app,
            scan,
            title=title,
            grouper=grouper,
            order=order,
            options=opts,
        )
    except reports.ReportError as exc:
        raise ValidationFailed(str(exc)) from exc


def _extension(ext: str) -> str:
    if ext not in EXTENSIONS:
        raise ValidationFailed(
            f"unknown report format {ext!r}; use html or pdf", validation_errors=["ext"]
        )
    return ext


@router.get(
    "/orgs/{orgID}/apps/{appID}/scans/{scanID}/reports/owasp-{year}.{ext}",
    tags=["reports"],
)
def owasp_report(
    scanID: str,  # noqa: N803 (the reference's path parameter name)
    year: str,
    ext: str,
    ctx: FindingsList,
    comments: bool = False,
    status: str | None = None,
    tz: str | None = None,
) -> Response:
    """The scan's findings under each OWASP Top 10 entry of ``year``."""
    if year not in reports.OWASP_YEARS:
        raise ValidationFailed(
            f"unknown OWASP year {year!r}; use 2017, 2021 or 2025",
            validation_errors=["year"],
        )
    _extension(ext)
    scan = _scan(ctx, scanID)
    report = _build(
        ctx,
        scan,
        f"OWASP Top 10 {year} report",
        reports.owasp_grouper(year),
        _ORDERS[year],
        comments=comments,
        status=status,
        tz=tz,
    )
    return _respond(report, ext, f"owasp-{year}-scan-{scan.id}")


@router.get(
    "/orgs/{orgID}/apps/{appID}/scans/{scanID}/reports/cwe.{ext}", tags=["reports"]
)
def cwe_report(
    scanID: str,  # noqa: N803
    ext: str,
    ctx: FindingsList,
    comments: bool = False,
    status: str | None = None,
    tz: str | None = None,
) -> Response:
    """The scan's findings grouped by CWE."""
    _extension(ext)
    scan = _scan(ctx, scanID)
    report = _build(
        ctx,
        scan,
        "CWE report",
        reports.cwe_key,
        [],
        comments=comments,
        status=status,
        tz=tz,
    )
    return _respond(report, ext, f"cwe-scan-{scan.id}")


@router.get(
    "/orgs/{orgID}/apps/{appID}/scans/{scanID}/reports/pci_dss/html", tags=["reports"]
)
def pci_report(
    scanID: str,  # noqa: N803
    ctx: FindingsList,
    ignore_info_findings: bool = False,
) -> Response:
    """The scan's findings under the PCI DSS requirements they concern."""
    scan = _scan(ctx, scanID)
    report = _build(
        ctx,
        scan,
        "PCI DSS report",
        pci.requirement,
        list(pci.REQUIREMENTS),
        ignore_info_findings=ignore_info_findings,
    )
    return _respond(report, "html", f"pci-dss-scan-{scan.id}")


def sarif_part(documents: list[dict[str, Any]], part: int, stem: str) -> Response:
    """Part ``part`` (from 1) of a SARIF export, naming how many parts there are."""
    if part > len(documents):
        raise NotFound(f"the export has {len(documents)} part(s)")
    filename = f"{stem}-{part}.sarif"
    return JSONResponse(
        documents[part - 1],
        media_type="application/sarif+json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Sarif-Parts": str(len(documents)),
        },
    )


@router.get("/orgs/{orgID}/apps/{appID}/scans/{scanID}/reports/sarif", tags=["sarif"])
def sarif_report(
    scanID: str,  # noqa: N803
    ctx: FindingsList,
    part: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The scan as SARIF 2.1.0; large scans come in several parts (files)."""
    scan = _scan(ctx, scanID)
    return sarif_part(sarif.export_scan(ctx.session, scan), part, f"scan-{scan.id}")
