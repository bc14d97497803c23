"""HTTP routes for apps, app labels, app configuration and app groups."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from sordino.api.deps import AppContext, AppScope, OrgScope, SessionDep
from sordino.api.envelope import ok
from sordino.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sordino.apps import service
from sordino.apps.schemas import (
    AppConfiguration,
    AppCreate,
    AppGroupUpdate,
    DefaultBranchUpdate,
    LabelsUpdate,
)
from sordino.db import utcnow
from sordino.rbac.access import Principal

router = APIRouter(tags=["apps"])
groups = APIRouter(tags=["app_groups"])
labels = APIRouter(tags=["app_labels"])

Body = dict[str, Any]
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds


# The last second of year 9999: later timestamps overflow datetime (a 500).
MAX_EPOCH = 253_402_300_799


@router.put("/orgs/{orgID}/apps")
def create_apps(
    specs: list[AppCreate],
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("apps:create"))],
) -> Body:
    """Create (or update) apps in the org."""
    if not specs:
        raise ValidationFailed(
            "at least one app is required", validation_errors=["body"]
        )
    try:
        apps = service.create_many(session, principal, specs)
    except service.AppClash as exc:
        raise Conflict(str(exc)) from exc
    except service.AppRefused as exc:
        raise Forbidden(str(exc)) from exc
    except service.AppError as exc:
        raise ValidationFailed(str(exc)) from exc
    reads = [service.read(app) for app in apps]
    return ok(reads[0] if len(reads) == 1 else reads)


@router.get("/orgs/{orgID}/apps")
def list_apps(
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("apps:list"))],
) -> Body:
    """The apps the caller may see."""
    return ok([service.read(app) for app in service.visible(session, principal)])


@router.get("/orgs/{orgID}/apps/branches")
def list_branches(
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("apps:list"))],
    app: str | None = None,
    from_: Annotated[int | None, Query(alias="from", ge=0, le=MAX_EPOCH)] = None,
    until: Annotated[int | None, Query(ge=0, le=MAX_EPOCH)] = None,
) -> Body:
    """Branches scanned per app in a time window (default: the last week)."""
    now = utcnow()
    since = dt.datetime.fromtimestamp(from_, dt.UTC) if from_ is not None else None
    upto = dt.datetime.fromtimestamp(until, dt.UTC) if until is not None else now
    since = since or now - dt.timedelta(days=7)
    return ok(service.branches(session, principal, app, since, upto))


@router.get("/orgs/{orgID}/apps/{appID}")
def get_app(ctx: Annotated[AppContext, Depends(AppScope("project:read"))]) -> Body:
    """One app."""
    return ok(service.read(ctx.app))


@router.delete("/orgs/{orgID}/apps/{appID}")
def delete_app(ctx: Annotated[AppContext, Depends(AppScope("project:delete"))]) -> Body:
    """Delete an app with its scans and findings."""
    service.delete_app(ctx.session, ctx.app)
    return ok(omit_response=True)


@router.get("/orgs/{orgID}/apps/{appID}/configuration")
def get_configuration(
    ctx: Annotated[AppContext, Depends(AppScope("org_configuration:read"))],
) -> Body:
    """The app's own configuration."""
    return ok(service.configuration(ctx.app))


@router.put("/orgs/{orgID}/apps/{appID}/configuration")
def put_configuration(
    body: AppConfiguration,
    ctx: Annotated[AppContext, Depends(AppScope("org_configuration:write"))],
) -> Body:
    """Replace the app's configuration."""
    service.set_configuration(ctx.app, body, merge=False)
    return ok(service.configuration(ctx.app))


@router.patch("/orgs/{orgID}/apps/{appID}/configuration")
def patch_configuration(
    body: AppConfiguration,
    ctx: Annotated[AppContext, Depends(AppScope("org_configuration:write"))],
) -> Body:
    """Change only the fields present in the body."""
    service.set_configuration(ctx.app, body, merge=True)
    return ok(service.configuration(ctx.app))


@router.patch("/orgs/{orgID}/apps/{appID}/configuration/default_branch")
def patch_default_branch(
    body: DefaultBranchUpdate,
    ctx: Annotated[AppContext, Depends(AppScope("project_branch:update"))],
) -> Body:
    """Set the app's default branch."""
    ctx.app.default_branch = body.default_branch
    return ok({"default_branch": body.default_branch})


@router.get("/orgs/{orgID}/apps/{appID}/configuration/merged")
def get_merged_configuration(
    ctx: Annotated[AppContext, Depends(AppScope("org_configuration:read"))],
) -> Body:
    """The effective configuration: org, then team, then app."""
    return ok(service.merged_configuration(ctx.session, ctx.app))


@labels.post("/orgs/{orgID}/apps/{appID}/labels")
def update_labels(
    body: LabelsUpdate,
    ctx: Annotated[AppContext, Depends(AppScope("project:update"))],
) -> Body:
    """Add, remove or clear the app's labels."""
    return ok(service.update_labels(ctx.app, body.add, body.remove, body.clear))


@groups.get("/orgs/{orgID}/app_groups")
def list_groups(
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("orgs:read"))],
) -> Body:
    """Every app group of the org."""
    found = service.list_groups(session, principal.org_id)
    return ok([service.group_read(session, group) for group in found])


@groups.get("/orgs/{orgID}/app_groups/{appGroupName}")
def get_group(
    appGroupName: str,  # noqa: N803 (the reference's path parameter name)
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("orgs:read"))],
) -> Body:
    """One app group."""
    group = service.get_group(session, principal.org_id, appGroupName)
    if group is None:
        raise NotFound(f"no app group named {appGroupName!r}")
    return ok([service.group_read(session, group)])


@groups.put("/orgs/{orgID}/app_groups/{appGroupName}")
def put_group(
    appGroupName: str,  # noqa: N803
    body: AppGroupUpdate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("app_group:update"))],
) -> Body:
    """Create or change an app group."""
    try:
        group = service.upsert_group(session, principal.org_id, appGroupName, body)
    except service.AppError as exc:
        raise ValidationFailed(str(exc)) from exc
    return ok([service.group_read(session, group)])


@groups.delete("/orgs/{orgID}/app_groups/{appGroupName}")
def delete_group(
    appGroupName: str,  # noqa: N803
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("app_group:delete"))],
) -> Body:
    """Delete an app group (its apps are kept)."""
    group = service.get_group(session, principal.org_id, appGroupName)
    if group is None:
        raise NotFound(f"no app group named {appGroupName!r}")
    session.delete(group)
    return ok(omit_response=True)
