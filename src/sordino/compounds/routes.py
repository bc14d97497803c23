"""HTTP routes for compounds (multi-language apps), their scans and findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sordino.api.deps import OrgScope, PrincipalDep, SessionDep
from sordino.api.envelope import ok, paged
from sordino.api.errors import Forbidden, NotFound, ValidationFailed
from sordino.common import APP_ID_PATTERN
from sordino.compounds import findings as cf
from sordino.compounds import query as cq
from sordino.compounds import service
from sordino.compounds.deps import CompoundScope, SomeMemberScope
from sordino.compounds.polyglot import PolyglotError, ingest_polyglot
from sordino.compounds.schemas import CompoundUpdate
from sordino.findings import query as fq
from sordino.importers import InvalidReportError, load
from sordino.rbac.access import Principal
from sordino.reports import sarif
from sordino.reports.routes import sarif_part
from sordino.scans import service as scans_service
from sordino.scans import uploads

router = APIRouter()
reports = APIRouter(tags=["sarif"])
Body = dict[str, Any]
T = TypeVar("T")
READ = "project:read"
NAMED = "/orgs/{orgID}/compounds/named/{compoundName}"
View = service.CompoundView
# Each names the compound narrowed to the members where the caller holds the scope.
Archived = Annotated[View, Depends(CompoundScope("project:archive"))]
Scans = Annotated[View, Depends(CompoundScope("scans:read"))]
ScansAny = Annotated[View, Depends(CompoundScope("scans:read", archived_param=True))]
ById = "compoundID"
Project = Annotated[View, Depends(CompoundScope("project:read", param=ById))]
Deleted = Annotated[View, Depends(CompoundScope(service.DELETE_SCOPE, param=ById))]
Findings = Annotated[View, Depends(CompoundScope("findings:list"))]


def _call(action: Callable[[], T]) -> T:
    try:
        return action()
    except service.CompoundNotFound as exc:
        raise NotFound(str(exc)) from exc
    except (service.PartialView, service.MissingScope) as exc:
        raise Forbidden(str(exc)) from exc
    except fq.QueryError as exc:
        raise ValidationFailed(
            "the query parameters are not valid", validation_errors=exc.problems
        ) from exc


def _archived(request: Request) -> bool:
    """``archived``: absent is false, present without a value true, else a boolean."""
    return _call(lambda: fq.flag(request.query_params.multi_items(), "archived"))


@router.patch(NAMED, tags=["compounds"])
def archive(body: CompoundUpdate, view: Archived) -> Body:
    """Archive (hide from listings) or unarchive a compound."""
    compound = _call(lambda: service.require_whole(view))
    compound.is_archived = body.is_archived
    return ok(omit_response=True)


@router.get(NAMED + "/scans/streamlined", tags=["compounds", "scans"])
def streamlined(
    session: SessionDep,
    compound: Scans,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    branch: str | None = None,
    upto: Annotated[int | None, Query(ge=0)] = None,
) -> Body:
    """The latest polyglot scans in a light form; ``upto`` is in nanoseconds.

    Only scans created before ``upto`` are listed: one past the last date a
    datetime holds (the year 9999) bounds nothing, every scan is older. The
    reference names no scope here; scans:read guards it like the other scan
    reads, since only the listed operations may accept any token.
    """
    return ok(
        service.streamlined(session, compound, limit=limit, branch=branch, upto=upto)
    )


@router.get(NAMED + "/scans/{scanID}", tags=["compounds", "scans"])
def get_scan(
    scanID: str,  # noqa: N803 (the reference's path parameter name)
    session: SessionDep,
    compound: ScansAny,
) -> Body:
    """One member scan of the compound."""
    return ok(_call(lambda: service.scan(session, compound, scanID)))


@router.get(NAMED + "/branches", tags=["compounds"])
def branches(session: SessionDep, compound: ScansAny) -> Body:
    """Branches the compound was scanned on."""
    return ok({"branches": service.branches(session, compound)})


@router.get(NAMED + "/scans", tags=["compounds", "scans"])
def list_scans(
    session: SessionDep,
    compound: ScansAny,
    status: Annotated[str | None, Query(pattern=scans_service.STATUS_PATTERN)] = None,
    branch: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Body:
    """The compound's member scans, newest first."""
    found = service.scans(session, compound, status=status, branch=branch, limit=limit)
    return ok({"scans": found})


@router.post(NAMED + "/scans", tags=["compounds", "scans"])
async def upload(
    compoundName: str,  # noqa: N803
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("uploads:write"))],
) -> Body:
    """Store a ScanBundle of a multi-language tree as one polyglot scan."""
    if not APP_ID_PATTERN.match(compoundName):
        raise ValidationFailed(
            "invalid compound name",
            validation_errors=[f"compoundName: {compoundName!r}"],
        )
    with await uploads.spool(request.stream()) as stream:
        result = await run_in_threadpool(
            _store_upload, session, principal, compoundName, stream
        )
    return ok(result)


def _store_upload(
    session: Session, principal: Principal, name: str, stream: Any
) -> Body:
    try:
        existing = service.get_by_name(session, principal, name)
    except service.CompoundNotFound:
        existing = None
    if existing is None and principal.team_defined:
        raise NotFound(f"no compound named {name!r}")
    if stream.read(1) == b"":
        raise ValidationFailed(
            "the bundle upload was refused", validation_errors=["the upload is empty"]
        )
    stream.seek(0)
    try:
        bundle = load(stream, app=name)
        polyglot = ingest_polyglot(session, principal.org_id, name, bundle)
    except InvalidReportError as exc:
        where = f"{exc.location}: " if exc.location else ""
        raise ValidationFailed(
            "the bundle upload was refused", validation_errors=[where + exc.message]
        ) from exc
    except PolyglotError as exc:
        raise ValidationFailed(
            "the bundle upload was refused", validation_errors=[str(exc)]
        ) from exc
    compound = service.get_by_name(session, principal, name)
    return {
        "compound": service.shallow(session, compound),
        "polyglot_scan": service.polyglot_seen(session, compound, polyglot),
    }


@router.get("/orgs/{orgID}/compounds", tags=["compounds"])
def list_compounds(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("apps:list"))],
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Body:
    """One page of compounds; archived ones only with ``archived=true``."""
    found, has_more = service.list_compounds(
        session, principal, archived=_archived(request), page=page, per_page=per_page
    )
    return paged(request, {"compounds": found}, page=page, has_more=has_more)


@router.get("/orgs/{orgID}/compounds/shallow/{compoundID}", tags=["compounds"])
@router.get("/orgs/{orgID}/compounds/byid/{compoundID}/shallow", tags=["compounds"])
def shallow(session: SessionDep, compound: Project) -> Body:
    """Id, name and member app ids of a compound."""
    return ok(service.shallow(session, compound))


@router.get("/orgs/{orgID}/compounds/byname/{compoundName}/shallow", tags=["compounds"])
def shallow_by_name(
    compoundName: str,  # noqa: N803
    session: SessionDep,
    principal: Annotated[Principal, Depends(SomeMemberScope(READ))],
) -> Body:
    """A compound by name; an app of that id answers when no compound has it."""
    return ok(
        _call(lambda: service.shallow_by_name(session, principal, compoundName, READ))
    )


@router.get("/orgs/{orgID}/compounds/full/{compoundID}", tags=["compounds"])
def full(session: SessionDep, principal: PrincipalDep, compound: Project) -> Body:
    """A compound with every member app in full."""
    return ok(service.full(session, principal, compound))


@router.delete("/orgs/{orgID}/compounds/{compoundID}", tags=["compounds"])
def delete(session: SessionDep, compound: Deleted) -> Body:
    """Delete a compound together with its member apps."""
    _call(lambda: service.delete(session, compound))
    return ok(omit_response=True)


@router.get(NAMED + "/findings", deprecated=True, tags=["findings"])
def list_findings_v1(request: Request, session: SessionDep, compound: Findings) -> Body:
    """Deprecated: findings of a polyglot scan with the app listing's parameters."""
    query = _call(lambda: fq.parse(request.query_params.multi_items()))
    body = _call(lambda: cf.list_findings_v1(session, compound, query))
    if query.only_counts:
        return ok(body)
    return paged(request, body, page=query.page, has_more=body["has_more"])


V2_DESCRIPTION = (cq.__doc__ or "").strip()


@router.get(
    "/orgs/{orgID}/compounds/byname/{compoundName}/findings",
    description=V2_DESCRIPTION,
    tags=["findings"],
)
def list_findings(request: Request, session: SessionDep, compound: Findings) -> Body:
    """Findings of one polyglot scan of the compound (by default the latest).

    Selection precedence, the ``finding_tag`` operators and the ``value_counts``
    form are described in ``sordino.compounds.query``.
    """
    query = _call(lambda: cq.parse(request.query_params.multi_items()))
    body = _call(lambda: cf.list_findings(session, compound, query))
    return paged(request, body, page=query.page, has_more=body["has_more"])


@reports.get(NAMED + "/reports/sarif")
def sarif_report(
    request: Request,
    session: SessionDep,
    compound: Findings,
    part: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """A polyglot scan (by default the latest) as SARIF 2.1.0, one run per member.

    Like an app scan's export, a large one comes in several parts (files):
    ``X-Sarif-Parts`` says how many, ``part`` picks one.
    """
    query = _call(lambda: cq.parse(request.query_params.multi_items()))
    polyglot = _call(lambda: cf.select_polyglot(session, compound, query))
    rows = cf.member_scans(session, compound, polyglot, cf.platforms_of(query))
    documents = sarif.export_scans(session, rows)
    return sarif_part(documents, part, f"polyglot-scan-{polyglot.id}")
