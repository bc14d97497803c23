"""Faults: a lost or full database answers in the error shape, then recovers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import Api

# What each driver says when the server is gone or the disk is full.
LOST = {
    "sqlite": "unable to open database file",
    "postgresql": "server closed the connection unexpectedly",
}
FULL = {
    "sqlite": "database or disk is full",
    "postgresql": "could not extend file: No space left on device",
}


@pytest.fixture
def fail_next_statement(api: Api) -> Iterator[Any]:
    """Arm a one-shot driver error on the app's engine; disarmed afterwards."""
    engine = api.db.engine
    armed: list[str] = []

    def raise_once(
        _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any
    ) -> None:
        if armed:
            # What SQLAlchemy raises when the driver fails: its wrapper, with
            # the driver's own error as ``orig``.
            driver_error = engine.dialect.loaded_dbapi.OperationalError(armed.pop())
            raise OperationalError(statement, params, driver_error)

    event.listen(engine, "before_cursor_execute", raise_once)
    yield armed.append
    event.remove(engine, "before_cursor_execute", raise_once)


def _assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["code"] == code
    assert "Traceback" not in response.text


def test_lost_database_answers_503_then_recovers(
    api: Api, fail_next_statement: Any
) -> None:
    """A connection error mid-request is a 503 UNAVAILABLE; the next call works."""
    fail_next_statement(LOST[api.db.engine.dialect.name])
    _assert_error_shape(api.get("/orgs/{org}/apps"), 503, "UNAVAILABLE")
    assert api.get("/orgs/{org}/apps").status_code == 200


def test_full_disk_answers_507_then_recovers(
    api: Api, fail_next_statement: Any
) -> None:
    """A write refused for want of space is a 507; the next write goes through."""
    fail_next_statement(FULL[api.db.engine.dialect.name])
    response = api.put("/orgs/{org}/apps", json=[{"id": "full-disk"}])
    _assert_error_shape(response, 507, "INSUFFICIENT_STORAGE")
    assert api.put("/orgs/{org}/apps", json=[{"id": "full-disk"}]).status_code == 200


def test_sql_mistakes_stay_internal_errors(api: Api, fail_next_statement: Any) -> None:
    """An operational error caused by the SQL itself is a bug: 500, not 503."""
    fail_next_statement("no such table: nowhere")
    _assert_error_shape(api.get("/orgs/{org}/apps"), 500, "INTERNAL_ERROR")


def test_terminated_backends_do_not_break_the_next_request(api: Api) -> None:
    """PostgreSQL: killing every server connection of the app costs one request
    at most, answered 503 in the error shape."""
    if api.db.engine.dialect.name != "postgresql":
        pytest.skip("backends can only be terminated on PostgreSQL")
    assert api.get("/orgs/{org}/apps").status_code == 200
    url = api.db.engine.url
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": make_url(str(url)).database},
        ).scalar_one()
    admin.dispose()
    assert ended >= 1
    first = api.get("/orgs/{org}/apps")
    if first.status_code != 200:
        _assert_error_shape(first, 503, "UNAVAILABLE")
    assert api.get("/orgs/{org}/apps").status_code == 200


def test_values_the_database_refuses_are_400(api: Api) -> None:
    """A NUL character in a filter is refused by PostgreSQL: a 400, not a 500."""
    response = api.get("/orgs/{org}/rbac/users", params={"email": "a\x00b"})
    assert response.status_code in (200, 400), response.text
    if api.db.engine.dialect.name == "postgresql":
        _assert_error_shape(response, 400, "VALIDATION_FAILED")
