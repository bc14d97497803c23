"""HTTP routes for check analysis (#104) and check-analysis policies (#53-#55)."""

# No postponed annotations here: FastAPI reads the dependency class's __call__
# signature and cannot resolve string annotations on a callable instance.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sordino.api.deps import AppScope, OrgScope, PrincipalDep, SessionDep, check_org
from sordino.api.envelope import ok
from sordino.api.errors import Forbidden, NotFound, ValidationFailed
from sordino.apps.models import App
from sordino.checks import compound as compound_checks
from sordino.checks import policies
from sordino.checks import service as checks
from sordino.checks.schemas import CheckRequest
from sordino.compounds import service as compounds
from sordino.compounds.service import CompoundView
from sordino.rbac.access import Principal

router = APIRouter()
Body = dict[str, Any]


class CompoundOrAppScope:
    """Requires ``scopes`` on the compound named in the path, else on the app.

    A compound passes with the scope org-wide or through the team of one of its
    member apps, and is narrowed to the members where the caller holds it; a
    name that is no compound falls back to ``AppScope``.
    """

    level = "app"

    def __init__(self, *scopes: str, param: str = "compoundName") -> None:
        self.scopes = scopes
        self.param = param

    def __call__(
        self, request: Request, principal: PrincipalDep, session: SessionDep
    ) -> CompoundView | App:
        """The compound (or app) the path names, once the caller's scope is checked."""
        check_org(request, principal)
        name = request.path_params[self.param]
        try:
            compound = compounds.get_by_name(session, principal, name)
        except compounds.CompoundNotFound:
            ctx = AppScope(*self.scopes, param=self.param)(request, principal, session)
            return ctx.app
        narrowed = compounds.narrow(compound, principal, self.scopes)
        if not narrowed.members:
            raise Forbidden(
                f"this operation needs the scope {' or '.join(self.scopes)}"
            )
        return narrowed


@router.post("/orgs/{orgID}/apps/{compoundName}/scans/check", tags=["scans"])
def check_scan(
    body: CheckRequest,
    session: SessionDep,
    subject: Annotated[
        CompoundView | App, Depends(CompoundOrAppScope("findings:list"))
    ],
) -> Body:
    """Check a scan against rules; the result is kept for the scan's report.

    ``compoundName`` names a compound (its polyglot scans are checked, with the
    findings of every member scan) or, when no compound has that name, an app.
    """
    try:
        if isinstance(subject, CompoundView):
            return ok(compound_checks.run(session, subject, body))
        return ok(checks.run(session, subject, body).result)
    except checks.CheckError as exc:
        raise NotFound(str(exc)) from exc


@router.put("/orgs/{orgID}/checkanalysis/policies/{reference}", tags=["orgs"])
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


@router.get("/orgs/{orgID}/checkanalysis/policies/{reference}", tags=["orgs"])
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


@router.get("/orgs/{orgID}/checkanalysis/policies", tags=["orgs"])
def list_policies(
    session: SessionDep,
    principal: Annotated[
        Principal, Depends(OrgScope("check_analysis_configuration:list"))
    ],
    name: Annotated[list[str] | None, Query()] = None,
) -> Body:
    """Stored policies and the names and tags that point at them."""
    return ok(policies.list_policies(session, principal.org_id, name or []))
