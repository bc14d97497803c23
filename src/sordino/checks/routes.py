"""HTTP routes for check analysis (#104) and check-analysis policies (#53-#55)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sordino.api.deps import AppContext, AppScope, OrgScope, SessionDep
from sordino.api.envelope import ok
from sordino.api.errors import NotFound, ValidationFailed
from sordino.checks import policies
from sordino.checks import service as checks
from sordino.checks.schemas import CheckRequest
from sordino.rbac.access import Principal

router = APIRouter(tags=["check_analysis"])
Body = dict[str, Any]


@router.post("/orgs/{orgID}/apps/{compoundName}/scans/check")
def check_scan(
    body: CheckRequest,
    ctx: Annotated[
        AppContext, Depends(AppScope("findings:list", param="compoundName"))
    ],
) -> Body:
    """Check a scan against rules; the result is kept for the scan's report."""
    try:
        result = checks.run(ctx.session, ctx.app, body)
    except checks.CheckError as exc:
        raise NotFound(str(exc)) from exc
    return ok(result.result)


@router.put("/orgs/{orgID}/checkanalysis/policies/{reference}")
async def put_policy(
    reference: str,
    request: Request,
    session: SessionDep,
    principal: Annotated[
        Principal, Depends(OrgScope("check_analysis_configuration:write"))
    ],
    tag: Annotated[list[str] | None, Query()] = None,
    use_defaults: Annotated[bool, Query(alias="useDefaults")] = False,
) -> Body:
    """Upload a policy file (YAML body) under a name, with tags."""
    raw = await request.body()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the policy must be UTF-8 text") from exc
    try:
        stored = policies.upload(
            session,
            principal.org_id,
            reference,
            content,
            tag or [],
            use_defaults=use_defaults,
        )
    except policies.PolicyError as exc:
        raise ValidationFailed(str(exc), validation_errors=exc.problems) from exc
    return ok(stored)


@router.get("/orgs/{orgID}/checkanalysis/policies/{reference}")
def get_policy(
    reference: str,
    session: SessionDep,
    principal: Annotated[
        Principal, Depends(OrgScope("check_analysis_configuration:read"))
    ],
) -> Response:
    """The raw YAML that ``name:tag`` resolves to."""
    try:
        content = policies.resolve(session, principal.org_id, reference)
    except policies.PolicyError as exc:
        raise ValidationFailed(str(exc)) from exc
    except policies.PolicyNotFound as exc:
        raise NotFound(str(exc)) from exc
    return Response(content, media_type="application/yaml")


@router.get("/orgs/{orgID}/checkanalysis/policies")
def list_policies(
    session: SessionDep,
    principal: Annotated[
        Principal, Depends(OrgScope("check_analysis_configuration:list"))
    ],
    name: Annotated[list[str] | None, Query()] = None,
) -> Body:
    """Stored policies and the names and tags that point at them."""
    return ok(policies.list_policies(session, principal.org_id, name or []))
