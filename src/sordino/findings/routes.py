"""HTTP routes for findings, triage, comments, fixes and versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request

from sordino.api.deps import AppContext, AppScope, OrgScope, SessionDep
from sordino.api.envelope import ok, paged
from sordino.api.errors import Forbidden, NotFound, ValidationFailed
from sordino.findings import query as fq
from sordino.findings import service, triage
from sordino.findings.schemas import (
    AssignmentUpdate,
    BulkAssignmentUpdate,
    BulkStatusUpdate,
    CommentCreate,
    FindingQuery,
    StatusUpdate,
)
from sordino.rbac.access import Principal

router = APIRouter(tags=["findings"])
comments = APIRouter(tags=["comments"])
autofix = APIRouter(tags=["autofix"])
versions = APIRouter(tags=["versions"])

Body = dict[str, Any]
T = TypeVar("T")
STATUS_SCOPES = (
    "finding_status:update",
    "finding_fixed:update",
    "finding_ignore:update",
)
FINDING = "/orgs/{orgID}/apps/{appID}/findings/{findingID}"


def _query(request: Request) -> FindingQuery:
    try:
        return fq.parse(request.query_params.multi_items())
    except fq.QueryError as exc:
        raise ValidationFailed(
            "the query parameters are not valid", validation_errors=exc.problems
        ) from exc


def _call(action: Callable[[], T]) -> T:
    """Run a service call, turning its errors into API errors."""
    try:
        return action()
    except service.NotFoundError as exc:
        raise NotFound(str(exc)) from exc
    except triage.TriageError as exc:
        raise ValidationFailed(str(exc), validation_errors=exc.problems) from exc


def _actor(principal: Principal) -> triage.Actor:
    return triage.Actor(principal.org_id, principal.user_id, principal.email)


@router.get("/orgs/{orgID}/apps/{appID}/findings")
def list_app_findings(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("findings:list"))]
) -> Body:
    """Findings of one scan of the app (by default the latest), filtered."""
    query = _query(request)
    body = _call(lambda: service.app_findings(ctx.session, ctx.app, query))
    if query.only_counts:
        return ok(body)
    return paged(request, body, page=query.page, has_more=body["has_more"])


@router.get("/orgs/{orgID}/findings")
def list_org_findings(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("findings:list"))],
) -> Body:
    """Findings of the latest scan of every app the caller may see."""
    query = _query(request)
    body = service.org_findings(session, principal, query)
    if query.only_counts:
        return ok(body)
    return paged(request, body, page=query.page, has_more=body["has_more"])


@router.get("/orgs/{orgID}/findings/summary")
def org_summary(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("findings:summary"))],
) -> Body:
    """Findings summaries of the org and of each app's latest scan."""
    query = _query(request)
    default_branch = _flag(request, "default_branch")
    return ok(
        service.org_summary(
            session,
            principal,
            tags=query.scan_tags,
            types=query.types,
            default_branch=default_branch,
        )
    )


def _flag(request: Request, name: str) -> bool:
    try:
        return fq.flag(request.query_params.multi_items(), name)
    except fq.QueryError as exc:
        raise ValidationFailed(
            "the query parameters are not valid", validation_errors=exc.problems
        ) from exc


@router.get(FINDING)
def get_finding(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("findings:read"))]
) -> Body:
    """One finding of the app."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    flows = _flag(request, "include_dataflows")
    return ok(service.read(ctx.session, ctx.app, finding, include_dataflows=flows))


def _finding_id(request: Request) -> str:
    return str(request.path_params["findingID"])


def _check_status_scope(ctx: AppContext, status: str) -> None:
    stored = _call(lambda: triage.stored_status(status))
    needed = {"fixed": "finding_fixed:update", "": ""}.get(
        stored, "finding_ignore:update"
    )
    scopes = ["finding_status:update"] + ([needed] if needed else [])
    if not stored:
        scopes = list(STATUS_SCOPES)
    team = ctx.app.team_id
    if not any(ctx.principal.has(s, team_id=team) for s in scopes):
        raise Forbidden(f"setting this status needs the scope {' or '.join(scopes)}")


@router.put(f"{FINDING}/status")
def set_status(
    request: Request,
    body: StatusUpdate,
    ctx: Annotated[AppContext, Depends(AppScope(*STATUS_SCOPES))],
) -> Body:
    """Set or clear one finding's status, optionally with a comment."""
    _check_status_scope(ctx, body.status)
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    _call(
        lambda: triage.set_status(
            ctx.session,
            _actor(ctx.principal),
            ctx.app,
            [finding.id],
            body.status,
            body.optional_comment,
        )
    )
    return ok(omit_response=True)


@router.put("/orgs/{orgID}/apps/{appID}/findings_status")
def set_statuses(
    body: BulkStatusUpdate,
    ctx: Annotated[AppContext, Depends(AppScope(*STATUS_SCOPES))],
) -> Body:
    """Set or clear the status of several findings: all of them or none."""
    _check_status_scope(ctx, body.status)
    _call(
        lambda: triage.set_status(
            ctx.session,
            _actor(ctx.principal),
            ctx.app,
            body.findings,
            body.status,
            body.optional_comment,
        )
    )
    return ok(omit_response=True)


@router.put(f"{FINDING}/assignment")
def set_assignment(
    request: Request,
    body: AssignmentUpdate,
    ctx: Annotated[AppContext, Depends(AppScope("finding_assign:update"))],
) -> Body:
    """Assign one finding to a person, or unassign it."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    _call(
        lambda: triage.set_assignee(
            ctx.session, _actor(ctx.principal), ctx.app, [finding.id], body.assignee
        )
    )
    return ok(omit_response=True)


@router.put("/orgs/{orgID}/apps/{appID}/findings_assignment")
def set_assignments(
    body: BulkAssignmentUpdate,
    ctx: Annotated[AppContext, Depends(AppScope("finding_assign:update"))],
) -> Body:
    """Assign several findings: all of them or none."""
    _call(
        lambda: triage.set_assignee(
            ctx.session, _actor(ctx.principal), ctx.app, body.findings, body.assignee
        )
    )
    return ok(omit_response=True)


@comments.post(f"{FINDING}/comments")
def create_comment(
    request: Request,
    body: CommentCreate,
    ctx: Annotated[AppContext, Depends(AppScope("comments:create"))],
) -> Body:
    """Comment on a finding as the token's user."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    made = triage.create_comment(
        ctx.session, _actor(ctx.principal), finding, body.comment
    )
    return ok(_comment(ctx, made))


def _comment(ctx: AppContext, comment: Any) -> Body:
    return triage.comment_read(
        ctx.session, comment, app=ctx.app, org_id=ctx.principal.org_id
    )


@comments.get(f"{FINDING}/comments")
def list_comments(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("comments:list"))]
) -> Body:
    """The finding's comment thread."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    return ok([_comment(ctx, c) for c in triage.comments(ctx.session, finding)])


@comments.get(f"{FINDING}/comments/{{commentID}}")
def get_comment(
    request: Request,
    commentID: str,  # noqa: N803 (the reference's path parameter name)
    ctx: Annotated[AppContext, Depends(AppScope("comments:read"))],
) -> Body:
    """One comment of a finding."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    made = _call(lambda: triage.get_comment(ctx.session, finding, commentID))
    return ok(_comment(ctx, made))


@autofix.get(f"{FINDING}/recommended_fix")
def recommended_fix(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("autofix:read"))]
) -> Body:
    """The rule's advice on fixing the finding."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    return ok(_call(lambda: triage.recommended_fix(finding)))


@autofix.get(f"{FINDING}/fixes")
def fixes(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("autofix:read"))]
) -> Body:
    """The change an engine proposed for the finding."""
    finding = _call(lambda: service.get(ctx.session, ctx.app, _finding_id(request)))
    return ok(_call(lambda: triage.fix(finding, app=ctx.app)))


@versions.get("/orgs/{orgID}/apps/{appID}/versions")
def list_versions(
    request: Request, ctx: Annotated[AppContext, Depends(AppScope("versions:list"))]
) -> Body:
    """Every scanned version of the app with its latest scan."""
    query = _query(request)
    return ok(
        service.versions(ctx.session, ctx.app, tags=query.scan_tags, types=query.types)
    )


@versions.get("/orgs/{orgID}/apps/{appID}/versions/{versionID}")
def get_version(
    request: Request,
    versionID: str,  # noqa: N803 (the reference's path parameter name)
    ctx: Annotated[AppContext, Depends(AppScope("versions:read"))],
) -> Body:
    """One version: its latest scan (or the named scan) and summaries."""
    query = _query(request)
    return ok(
        _call(
            lambda: service.version(
                ctx.session,
                ctx.app,
                versionID,
                scan_id=query.scan_id,
                types=query.types,
            )
        )
    )
