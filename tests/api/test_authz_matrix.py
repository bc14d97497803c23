"""The authorization matrix: every route, every built-in org role.

How a route's requirement is found: the test walks the route's dependency tree
(``route.dependant``) for callables that are scope dependencies, i.e. instances
of ``OrgScope``, ``AppScope`` or ``TeamScope``, and reads their ``scopes``. A
route may carry several; each must pass. An instance with no scopes means "any
valid token", which only the operations documented that way may use.

How the expectation is derived: a role holds the scopes that ``builtin`` gives
it, never a hand-written list. On routes scoped to an app or a team, the
TEAM_DEFINED caller also holds the scopes of its team role (Guest) in the
fixture team, which owns the fixture app, as the design says team roles add to
org roles there. A route's scope is granted by the same scope or by
``<resource>:*``.

How the outcome is judged, per role, with no request body:

- expected denied: the status must be exactly 403 with code ``FORBIDDEN``;
- expected allowed: the status must be neither 401 nor 403 (the scope check let
  the request through) and below 500. A 400 (no body) or a 404 (a placeholder
  id such as a finding that does not exist) still proves the scope check passed,
  because the scope dependencies run before the route looks anything up; only
  the objects named by ``AppScope`` and ``TeamScope`` (the app and the team) are
  loaded first, and those exist in the fixture and are visible to every caller.

Denied roles are called before allowed ones, and each route gets a fresh org,
so a successful destructive call (deleting the fixture app) cannot turn a later
403 into a 404. Finally, every route under ``/orgs`` is called by every role
with another org's id in the path and must answer 404.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sordino.api.app import PREFIX
from sordino.api.deps import AppScope
from sordino.apps.models import App, AppGroup
from sordino.db import Database
from sordino.orgs.models import Org
from sordino.rbac import builtin
from sordino.rbac.access import role_scopes
from sordino.rbac.deps import TeamScope
from sordino.rbac.models import CustomRole, Group, Team, TeamGroup, TeamMember, User
from sordino.routers import ROUTERS
from sordino.tokens import service as tokens
from tests.conftest import TEST_KEY, Api, new_org

ROLES = tuple(role.aliases[0] for role in builtin.ORG_ROLES)
TEAM_DEFINED_TEAM_ROLE = builtin.GUEST
# Operations ENDPOINTS.md documents as open to any valid token of the org.
ANY_VALID_TOKEN = {
    ("GET", "/orgs/{orgID}/my_scopes"),
    ("GET", "/orgs/{orgID}/apps/{appID}/my_scopes"),
    ("GET", "/orgs/{orgID}/rbac/teams/{rbacTeamID}/my_scopes"),
    ("GET", "/orgs/{orgID}/autofix_configuration"),
    ("GET", "/orgs/{orgID}/saved_searches"),
    ("DELETE", "/orgs/{orgID}/saved_searches/{searchID}"),
}
PLACEHOLDER = "1"
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Requirement:
    """One scope dependency of a route: its scopes and what it is scoped to."""

    scopes: tuple[str, ...]
    level: str  # "org", "app" or "team"


@dataclass(frozen=True)
class Operation:
    """One method of one route."""

    method: str
    path: str
    requirements: tuple[Requirement, ...]

    @property
    def under_orgs(self) -> bool:
        """Whether the path names an org."""
        return self.path.startswith("/orgs/{orgID}")


def requirements(dependant: Dependant) -> Iterator[Requirement]:
    """Every scope dependency in a route's dependency tree.

    Any dependency object with a ``scopes`` tuple counts, so a domain may add
    its own (a compound-scoped check, say); one that is not an ``AppScope`` or
    ``TeamScope`` is taken as org-level unless it names its ``level``.
    """
    for sub in dependant.dependencies:
        call = sub.call
        scopes = getattr(call, "scopes", None)
        if isinstance(scopes, tuple) and not callable(scopes):
            if isinstance(call, AppScope):
                level = "app"
            elif isinstance(call, TeamScope):
                level = "team"
            else:
                level = str(getattr(call, "level", "org"))
            yield Requirement(tuple(scopes), level)
        yield from requirements(sub)


def operations() -> list[Operation]:
    """Every operation the registered routers serve, as its OpenAPI path."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            reqs = tuple(dict.fromkeys(requirements(route.dependant)))
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append(Operation(method, route.path, reqs))
    return found


OPERATIONS = operations()


def held(role: str, level: str) -> frozenset[str]:
    """The scopes ``role`` holds at an org-, app- or team-level check."""
    found = builtin.get(role)
    assert found is not None
    scopes = found.scopes
    if found is builtin.TEAM_DEFINED and level in ("app", "team"):
        scopes |= TEAM_DEFINED_TEAM_ROLE.scopes
    return scopes


def grants(scopes: frozenset[str], needed: str) -> bool:
    """Whether ``scopes`` include ``needed`` or its resource's wildcard."""
    return needed in scopes or f"{needed.split(':', 1)[0]}:*" in scopes


def expected_allowed(role: str, op: Operation) -> bool:
    """Whether ``role`` passes every scope dependency of ``op``."""
    return all(
        not req.scopes or any(grants(held(role, req.level), s) for s in req.scopes)
        for req in op.requirements
    )


@dataclass
class World:
    """A fresh org with one caller per role and objects to name in paths."""

    callers: dict[str, Api]
    params: dict[str, str]
    other_org: str


def _token(session: Any, org_id: str, user: User, role_id: str) -> tokens.IssuedToken:
    return tokens.create(
        session,
        org_id=org_id,
        user_id=user.id,
        role_id=role_id,
        scopes=sorted(role_scopes(session, org_id, role_id)),
        key=TEST_KEY,
        issuer="sordino",
        label=f"matrix {role_id}",
    )


def build_world(client: TestClient, db: Database, other_org: str) -> World:
    """An org, one caller per built-in org role, and the objects paths name.

    Everything is made in one transaction, to keep a case per route cheap.
    """
    with db.session() as session:
        org = Org(name="matrix-org", configuration={})
        session.add(org)
        session.flush()
        users = {
            role: User(
                org_id=org.id,
                email=f"{role.lower()}@example.com",
                org_role_id=builtin.get(role).id,
            )  # type: ignore[union-attr]
            for role in ROLES
        }
        victim = User(
            org_id=org.id, email="victim@example.com", org_role_id=builtin.MEMBER.id
        )
        team = Team(org_id=org.id, name="matrix-team", version=1, configuration={})
        group = Group(org_id=org.id, name="matrix-group")
        role = CustomRole(org_id=org.id, name="matrix-role", scopes=["apps:list"])
        session.add_all([*users.values(), victim, team, group, role])
        session.add(AppGroup(org_id=org.id, name="matrix-apps"))
        session.flush()
        session.add(App(org_id=org.id, app_id="matrix-app", name="m", team_id=team.id))
        session.add(
            TeamMember(
                team_id=team.id,
                user_id=users["TEAM_DEFINED"].id,
                role_id=TEAM_DEFINED_TEAM_ROLE.id,
            )
        )
        session.add(TeamGroup(team_id=team.id, group_id=group.id, role_id=role.id))
        callers = {
            name: Api(
                client,
                db,
                org.id,
                _token(session, org.id, user, user.org_role_id).value,
                user.id,
            )
            for name, user in users.items()
        }
        params = {
            "orgID": org.id,
            "appID": "matrix-app",
            "rbacTeamID": team.id,
            "rbacRoleID": role.id,
            "userIDv2": victim.id,
            "groupID": group.id,
            "tokenID": _token(session, org.id, victim, builtin.MEMBER.id).record.id,
            "appGroupName": "matrix-apps",
            "compoundName": "matrix-app",
            "compoundID": str(uuid.uuid4()),
        }
    return World(callers, params, other_org)


@pytest.fixture(scope="module")
def other_org(client: TestClient, db: Database) -> str:
    """An unrelated org whose id the cross-org calls put in the path."""
    return new_org(client, db, "matrix-other").org_id


def fill(path: str, params: dict[str, str]) -> str:
    """The path with every parameter filled from ``params`` or a placeholder."""
    return PARAM.sub(lambda m: params.get(m.group(1), PLACEHOLDER), path)


def call(api: Api, method: str, path: str) -> Any:
    """Send the request with the caller's token and no body."""
    return api.client.request(
        method, PREFIX + path, headers={"Authorization": f"Bearer {api.token}"}
    )


def problems_for(op: Operation, world: World) -> list[str]:
    """Every way the operation's outcomes differ from the derived matrix."""
    problems = []
    if op.under_orgs:
        foreign = fill(op.path, {**world.params, "orgID": world.other_org})
        for role in ROLES:
            got = call(world.callers[role], op.method, foreign)
            if got.status_code != 404:
                problems.append(f"{role} on another org: {got.status_code}, not 404")
    order = sorted(ROLES, key=lambda role: expected_allowed(role, op))
    path = fill(op.path, world.params)
    for role in order:
        got = call(world.callers[role], op.method, path)
        status = got.status_code
        if not expected_allowed(role, op):
            if status != 403 or got.json().get("code") != "FORBIDDEN":
                problems.append(f"{role}: expected 403, got {status} {got.text[:120]}")
        elif status in (401, 403) or status >= 500:
            problems.append(f"{role}: expected allowed, got {status} {got.text[:120]}")
    return problems


@pytest.mark.parametrize(
    "op", OPERATIONS, ids=[f"{op.method} {op.path}" for op in OPERATIONS]
)
def test_route_matrix(
    op: Operation, client: TestClient, db: Database, other_org: str
) -> None:
    if op.under_orgs:
        assert op.requirements, "a route under /orgs must declare its scope"
    open_to_all = any(not req.scopes for req in op.requirements)
    if open_to_all:
        assert (
            (op.method, op.path) in ANY_VALID_TOKEN
        ), "only operations documented as 'any valid token' may declare no scope"
    problems = problems_for(op, build_world(client, db, other_org))
    assert not problems, "\n".join(problems)


def test_matrix_covers_every_route_of_the_openapi_document(app: Any) -> None:
    document = app.openapi()["paths"]
    served = {
        (method.upper(), path)
        for path, item in document.items()
        for method in item
        if method in ("get", "put", "post", "patch", "delete")
    }
    covered = {(op.method, PREFIX + op.path) for op in OPERATIONS}
    assert served == covered
    assert len(covered) >= 40


def test_every_built_in_org_role_is_in_the_matrix() -> None:
    assert {builtin.get(role) for role in ROLES} == set(builtin.ORG_ROLES)
    assert "LEGACY_COLLABORATOR" in ROLES


def test_derivation_follows_the_role_tables() -> None:
    by_route = {(op.method, op.path): op for op in OPERATIONS}
    create_role = by_route[("POST", "/orgs/{orgID}/rbac/roles")]
    assert [r for r in ROLES if expected_allowed(r, create_role)] == ["SUPER_ADMIN"]
    get_app = by_route[("GET", "/orgs/{orgID}/apps/{appID}")]
    # Team Defined holds no project:read of its own; its team's Guest role does.
    assert "project:read" not in builtin.TEAM_DEFINED.scopes
    assert all(expected_allowed(r, get_app) for r in ROLES)
    update_team = by_route[("PUT", "/orgs/{orgID}/rbac/teams/{rbacTeamID}")]
    allowed = {r for r in ROLES if expected_allowed(r, update_team)}
    assert allowed == {"SUPER_ADMIN", "POWER_USER"}
