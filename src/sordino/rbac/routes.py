"""HTTP routes for roles, scopes, users, invitations and human groups."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from sordino.api.deps import OrgScope, SessionDep
from sordino.api.envelope import ok, paged
from sordino.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sordino.rbac import builtin, groups, service
from sordino.rbac.access import Principal
from sordino.rbac.schemas import RoleCreate, RoleUpdate, UserRoleUpdate

router = APIRouter(tags=["rbac"])

Body = dict[str, Any]
PER_PAGE = 100
UNPAGED_LIMIT = 1000
Order = Literal["asc", "desc"]
Page = Annotated[int | None, Query(ge=1)]


@contextmanager
def translated() -> Iterator[None]:
    """Turn the service's refusals into the API's errors."""
    try:
        yield
    except service.Missing as exc:
        raise NotFound(str(exc)) from exc
    except service.Clash as exc:
        raise Conflict(str(exc)) from exc
    except service.Refused as exc:
        raise Forbidden(str(exc)) from exc
    except service.RbacError as exc:
        raise ValidationFailed(str(exc), validation_errors=[str(exc)]) from exc


def page_of(request: Request, items: Sequence[Any], page: int | None) -> Body:
    """All items, or one page of them when asked for or when the list is long."""
    if page is None and len(items) <= UNPAGED_LIMIT:
        return ok(list(items))
    number = page or 1
    start = (number - 1) * PER_PAGE
    chunk = list(items[start : start + PER_PAGE])
    return paged(request, chunk, page=number, has_more=start + PER_PAGE < len(items))


@router.get("/orgs/{orgID}/rbac/roles")
def list_roles(
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("roles:list"))],
) -> Body:
    """The built-in roles and the org's custom roles."""
    return ok(service.list_roles(session, principal.org_id))


@router.post("/orgs/{orgID}/rbac/roles")
def create_role(
    body: RoleCreate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("roles:create"))],
) -> Body:
    """Define a custom role."""
    with translated():
        role = service.create_role(session, principal, body)
    return ok(service.custom_read(role))


@router.put("/orgs/{orgID}/rbac/roles/{rbacRoleID}")
def update_role(
    rbacRoleID: str,  # noqa: N803 (the reference's path parameter name)
    body: RoleUpdate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("roles:update"))],
) -> Body:
    """Change a custom role."""
    with translated():
        service.update_role(session, principal, rbacRoleID, body)
    return ok(omit_response=True)


@router.delete("/orgs/{orgID}/rbac/roles/{rbacRoleID}")
def delete_role(
    rbacRoleID: str,  # noqa: N803
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("roles:delete"))],
) -> Body:
    """Delete a custom role nothing refers to."""
    with translated():
        service.delete_role(session, principal, rbacRoleID)
    return ok(omit_response=True)


@router.get("/orgs/{orgID}/rbac/scopes")
def list_scopes(_p: Annotated[Principal, Depends(OrgScope("scopes:list"))]) -> Body:
    """The scopes custom roles may use: exactly Super Admin's."""
    return ok(builtin.all_scopes())


@router.get("/orgs/{orgID}/rbac/users")
def list_users(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("org_user:list"))],
    email: Annotated[list[str] | None, Query()] = None,
    search: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
    team: str | None = None,
    sort: Literal["name", "email", "role", "joined"] = "email",
    order: Order = "asc",
    page: Page = None,
) -> Body:
    """The org's users with their org and team roles."""
    if email and search:
        raise ValidationFailed("'email' and 'search' cannot be combined")
    users = service.list_users(
        session,
        principal.org_id,
        emails=email or [],
        search=search,
        team_id=team,
        sort=sort,
        descending=order == "desc",
    )
    return page_of(request, service.users_read(session, principal.org_id, users), page)


@router.put("/orgs/{orgID}/rbac/users/{userIDv2}")
def update_user(
    userIDv2: str,  # noqa: N803
    body: UserRoleUpdate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("teams:update"))],
) -> Body:
    """Give a user another org role."""
    with translated():
        service.set_org_role(session, principal, userIDv2, body.org_role)
    return ok(omit_response=True)


@router.delete("/orgs/{orgID}/rbac/users/{userIDv2}")
def delete_user(
    userIDv2: str,  # noqa: N803
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("org_user:delete"))],
) -> Body:
    """Remove a user from the org."""
    with translated():
        service.delete_user(session, principal, userIDv2)
    return ok(omit_response=True)


@router.get("/orgs/{orgID}/rbac/invitations")
def list_invitations(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("org_invitations:list"))],
    search: str | None = None,
    sort: Literal["name", "email", "invited"] = "email",
    order: Order = "asc",
    page: Page = None,
) -> Body:
    """The org's pending invitations."""
    found = service.list_invitations(
        session, principal.org_id, search=search, sort=sort, descending=order == "desc"
    )
    return page_of(request, found, page)


@router.get("/orgs/{orgID}/rbac/groups")
def list_groups(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("teams:list"))],
    name: str | None = None,
    iname: str | None = None,
    search: str | None = None,
    no_members: bool = False,
    page: Page = None,
) -> Body:
    """The org's human groups."""
    if search and (name or iname):
        raise ValidationFailed("'search' cannot be combined with 'name' or 'iname'")
    found = groups.list_groups(
        session, principal.org_id, name=name, iname=iname, search=search
    )
    reads = [groups.group_read(session, g, members=not no_members) for g in found]
    body = page_of(request, reads, page)
    body["response"] = {"groups": body["response"]}
    return body


@router.get("/orgs/{orgID}/rbac/groups/{groupID}")
def get_group(
    groupID: str,  # noqa: N803
    session: SessionDep,
    principal: Annotated[Principal, Depends(OrgScope("teams:read"))],
) -> Body:
    """One human group."""
    group = groups.get_group(session, principal.org_id, groupID)
    if group is None:
        raise NotFound(f"no group with id {groupID!r}")
    return ok(groups.group_read(session, group))
