"""Two admins or two team managers acting at once: the database decides.

Each test holds both requests at the same point with a barrier (both have read
what they act on), then slows each down right after its check, so that without
locking both would pass their checks on the same state. Each request has
its own client, token and database session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sordino.rbac import builtin, deps, service, teams
from sordino.rbac.models import User
from tests.conftest import Api

PAUSE = 0.4


def _both_at_once(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    meeting: str,
    slow: tuple[Any, str],
) -> None:
    """Make both requests meet after ``module.meeting`` and dawdle in ``slow``."""
    barrier = threading.Barrier(2, timeout=10)
    met = getattr(module, meeting)

    def meet(*args: Any, **kwargs: Any) -> Any:
        found = met(*args, **kwargs)
        barrier.wait()
        return found

    owner, name = slow
    slowed = getattr(owner, name)

    def dawdle(*args: Any, **kwargs: Any) -> Any:
        result = slowed(*args, **kwargs)
        time.sleep(PAUSE)
        return result

    monkeypatch.setattr(module, meeting, meet)
    monkeypatch.setattr(owner, name, dawdle)


def _separately(
    api: Api, calls: list[Callable[[Api], Any]], tokens: list[str]
) -> list[Any]:
    """Run each call in its own thread with its own client and token."""

    def run(index: int) -> Any:
        client = TestClient(api.client.app, base_url="http://testserver")
        caller = Api(client, api.db, api.org_id, tokens[index], "")
        return calls[index](caller)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, range(len(calls))))


def test_two_super_admins_demoting_each_other_keep_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = api.as_role("SUPER_ADMIN")
    _both_at_once(monkeypatch, service, "get_user", (service, "_check_last_admin"))
    users = "/orgs/{org}/rbac/users"
    demote = {"org_role": "MEMBER"}
    statuses = _separately(
        api,
        [
            lambda a: a.put(f"{users}/{second.user_id}", json=demote).status_code,
            lambda a: a.put(f"{users}/{api.user_id}", json=demote).status_code,
        ],
        [api.token, second.token],
    )
    assert sorted(statuses) == [200, 409]
    with api.db.session() as session:
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.org_id == api.org_id,
                User.org_role_id == builtin.SUPER_ADMIN.id,
            )
        )
    assert admins == 1


def test_a_super_admin_removing_the_other_while_demoted_keeps_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = api.as_role("SUPER_ADMIN")
    _both_at_once(monkeypatch, service, "get_user", (service, "_check_last_admin"))
    users = "/orgs/{org}/rbac/users"
    statuses = _separately(
        api,
        [
            lambda a: a.delete(f"{users}/{second.user_id}").status_code,
            lambda a: a.put(
                f"{users}/{api.user_id}", json={"org_role": "GUEST"}
            ).status_code,
        ],
        [api.token, second.token],
    )
    assert 409 in statuses
    with api.db.session() as session:
        admins = session.scalars(
            select(User.id).where(
                User.org_id == api.org_id,
                User.org_role_id == builtin.SUPER_ADMIN.id,
            )
        ).all()
    assert len(admins) == 1


def test_two_changes_at_one_team_version_keep_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.as_role("MEMBER")
    second = api.as_role("MEMBER")
    team = api.ok("POST", "/orgs/{org}/rbac/teams", json={"name": "Racers"})
    path = f"/orgs/{{org}}/rbac/teams/{team['team_id']}/membership"
    _both_at_once(monkeypatch, deps, "get_team", (teams, "_add_members"))

    def add(user_id: str) -> Callable[[Api], int]:
        body = {"version": 1, "add_team_membership": [{"user_id_v2": user_id}]}
        return lambda a: int(a.put(path, json=body).status_code)

    statuses = _separately(
        api, [add(first.user_id), add(second.user_id)], [api.token, api.token]
    )
    assert sorted(statuses) == [200, 409]
    monkeypatch.undo()
    found = api.ok("GET", f"/orgs/{{org}}/rbac/teams/{team['team_id']}")
    assert found["version"] == 2
    assert len(found["users"]) == 1
