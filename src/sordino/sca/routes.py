"""HTTP routes for packages, dependencies, package_info and the SBOM (#46, #47,
#100, #101 and the CycloneDX export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from sordino.api.deps import AppContext, AppScope, OrgScope, PrincipalDep, SessionDep
from sordino.api.envelope import ok, paged
from sordino.api.errors import NotFound, ValidationFailed
from sordino.apps import service as apps
from sordino.apps.models import App
from sordino.compounds import findings as compound_findings
from sordino.compounds import query as compound_query
from sordino.compounds import service as compounds
from sordino.compounds.deps import CompoundScope
from sordino.compounds.service import CompoundView
from sordino.findings.query import QueryError
from sordino.rbac.access import Principal
from sordino.sca import info, packages, sbom
from sordino.sca.schemas import PackageInfoQuery
from sordino.scans import service as scans
from sordino.scans.models import Scan

router = APIRouter()
Body = dict[str, Any]
T = TypeVar("T")
ScaRead = Annotated[AppContext, Depends(AppScope("sca:read"))]
COMPOUND_SCAN_PARAMS = frozenset(
    {
        "polyglot_scan",
        "scan_version",
        "scan_branch",
        "scan_tag",
        "scan_platform",
        "scan_language",
    }
)


def _call(action: Callable[[], T]) -> T:
    """Run a service call, turning its errors into API errors."""
    try:
        return action()
    except QueryError as exc:
        raise ValidationFailed(
            "the query parameters are not valid", validation_errors=exc.problems
        ) from exc
    except (scans.ScanNotFound, compounds.CompoundNotFound) as exc:
        raise NotFound(str(exc)) from exc


def _app_scan(session: Session, app: App, request: Request) -> Scan | None:
    params = request.query_params
    if params.get("scan"):
        return scans.get(session, app, params["scan"])
    return scans.latest(session, app, branch=params.get("branch") or None)


@router.get("/orgs/{orgID}/apps/{appID}/sca/packages", tags=["findings", "sca"])
def list_app_packages(request: Request, ctx: ScaRead) -> Body:
    """Packages of one scan of the app (by default the latest), filtered, paged."""
    query = _call(lambda: packages.parse(request.query_params.multi_items()))
    scan = _call(lambda: _app_scan(ctx.session, ctx.app, request))
    found = [(scan, ctx.app)] if scan is not None else []
    body = packages.list_packages(ctx.session, found, query)
    return paged(request, body, page=query.page, has_more=body["has_more"])


@router.get(
    "/orgs/{orgID}/compounds/named/{compoundName}/sca/packages",
    tags=["findings", "sca"],
)
def list_compound_packages(
    request: Request,
    session: SessionDep,
    compound: Annotated[CompoundView, Depends(CompoundScope("sca:read"))],
) -> Body:
    """Packages of one polyglot scan of the compound (by default the latest)."""
    params = request.query_params.multi_items()
    query = _call(lambda: packages.parse(params))
    selection = _call(
        lambda: compound_query.parse(
            [(k, v) for k, v in params if k in COMPOUND_SCAN_PARAMS]
        )
    )
    polyglot = _call(
        lambda: compound_findings.select_polyglot(session, compound, selection)
    )
    members = compound_findings.member_scans(
        session, compound, polyglot, compound_findings.platforms_of(selection)
    )
    body = packages.list_packages(session, members, query)
    body["compound_id"] = compound.id
    body["polyglot_scan_id"] = str(polyglot.id)
    return paged(request, body, page=query.page, has_more=body["has_more"])


@router.get("/orgs/{orgID}/dependencies", tags=["sca"])
def search_dependencies(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("findings:list"))],
) -> Body:
    """Dependencies of the caller's apps seen in a time window, searched."""
    query = _call(
        lambda: packages.parse_dependencies(request.query_params.multi_items())
    )
    visible = apps.visible(session, principal)
    found, has_more = packages.search_dependencies(session, visible, query)
    return paged(request, found, page=query.page, has_more=has_more)


@router.post("/package_info", tags=["sca"])
def package_info(
    body: PackageInfoQuery, principal: PrincipalDep, session: SessionDep
) -> Body:
    """Advisories from the local database and known licences of each purl."""
    try:
        found = info.package_info(session, principal.org_id, body.purls)
    except info.PurlError as exc:
        raise ValidationFailed(
            "some purls cannot be read", validation_errors=exc.problems
        ) from exc
    return ok(found)


@router.get("/orgs/{orgID}/apps/{appID}/scans/{scanID}/sbom", tags=["sca"])
def export_sbom(scanID: str, ctx: ScaRead) -> JSONResponse:  # noqa: N803
    """The scan as a CycloneDX 1.6 SBOM with its vulnerabilities as VEX."""
    scan = _call(lambda: scans.get(ctx.session, ctx.app, scanID))
    document = sbom.export(ctx.session, ctx.app, scan)
    return JSONResponse(document, media_type="application/vnd.cyclonedx+json")
