"""HTTP routes for the org configuration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from sordino.api.deps import OrgScope, SessionDep
from sordino.api.envelope import ok
from sordino.api.errors import NotFound
from sordino.orgs import service
from sordino.orgs.models import Org
from sordino.orgs.schemas import AnalysisConfiguration, OrgConfiguration
from sordino.rbac.access import Principal

router = APIRouter(tags=["orgs"])
autofix = APIRouter(tags=["orgs"])

Body = dict[str, Any]
Reader = Annotated[Principal, Depends(OrgScope("org_configuration:read"))]
Writer = Annotated[Principal, Depends(OrgScope("org_configuration:write"))]


def _org(session: SessionDep, principal: Principal) -> Org:
    org = session.get(Org, principal.org_id)
    if org is None:
        raise NotFound("no such organization")
    return org


@router.get("/orgs/{orgID}/configuration")
def get_configuration(session: SessionDep, principal: Reader) -> Body:
    """The org configuration."""
    return ok(service.configuration(_org(session, principal)))


@router.put("/orgs/{orgID}/configuration")
def put_configuration(
    body: OrgConfiguration, session: SessionDep, principal: Writer
) -> Body:
    """Replace the org configuration."""
    return ok(service.replace_configuration(_org(session, principal), body))


@router.patch("/orgs/{orgID}/configuration")
def patch_configuration(
    body: OrgConfiguration, session: SessionDep, principal: Writer
) -> Body:
    """Merge fields into the org configuration."""
    return ok(service.merge_configuration(_org(session, principal), body))


@router.put("/orgs/{orgID}/configuration/analysis")
def put_analysis(
    body: AnalysisConfiguration, session: SessionDep, principal: Writer
) -> Body:
    """Replace the org's analysis configuration."""
    return ok(service.set_analysis(_org(session, principal), body, merge=False))


@router.patch("/orgs/{orgID}/configuration/analysis")
def patch_analysis(
    body: AnalysisConfiguration, session: SessionDep, principal: Writer
) -> Body:
    """Merge into the org's analysis configuration."""
    return ok(service.set_analysis(_org(session, principal), body, merge=True))


@autofix.get("/orgs/{orgID}/autofix_configuration")
def get_autofix_configuration(
    session: SessionDep, principal: Annotated[Principal, Depends(OrgScope())]
) -> Body:
    """The org's AutoFix configuration."""
    config = service.configuration(_org(session, principal))
    return ok(config["autofix_configuration"])
