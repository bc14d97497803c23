"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
``SORDINO_TEST_DATABASE_URL`` is set), the real app, and per-test orgs.

Tests are isolated by org: every test that asks for ``api`` gets a fresh org
with its own Super Admin token, so one migrated database serves the session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sordino.api.app import create_app
from sordino.config import Settings
from sordino.db import Database
from sordino.orgs import service as orgs
from sordino.rbac import builtin
from sordino.rbac.access import role_scopes
from sordino.rbac.models import User
from sordino.tokens import service as tokens

# The sample data and the API reference live beside the checkout, in ../shared;
# SORDINO_TEST_SHARED_DIR points elsewhere (a clone made in another folder).
SHARED = Path(
    os.environ.get("SORDINO_TEST_SHARED_DIR")
    or Path(__file__).resolve().parents[1].parent / "shared"
)
SHARED_DATA = SHARED / "data"
TEST_KEY = "test-signing-key-not-secret-0123456789"


def _postgres_database(base_url: str) -> tuple[str, str]:
    """Create a throw-away database on the server of ``base_url``."""
    name = f"sordino_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name)
    # str() of a URL masks its password; the app needs the real one.
    return url.render_as_string(hide_password=False), name


def _drop_postgres(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_database_url(tmp: Path) -> tuple[str, Any]:
    """A new empty database URL and a callable that removes it."""
    base = os.environ.get("SORDINO_TEST_DATABASE_URL")
    if base:
        url, name = _postgres_database(base)
        return url, lambda: _drop_postgres(base, name)
    return f"sqlite:///{tmp / 'sordino.db'}", lambda: None


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the test session, with their own data dir and database."""
    tmp = tmp_path_factory.mktemp("sordino")
    url, drop = make_database_url(tmp)
    yield Settings(
        data_dir=tmp,
        database_url=url,
        secret_key=TEST_KEY,
        log_format="json",
        log_level="WARNING",
        immediate_jobs=True,
    )
    drop()


@pytest.fixture(scope="session")
def app(settings: Settings) -> Any:
    """The real application, migrated once for the session."""
    return create_app(settings)


@pytest.fixture(scope="session")
def db(app: Any) -> Database:
    """The application's database."""
    database: Database = app.state.db
    return database


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[TestClient]:
    """An HTTP client speaking to the app in process."""
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@dataclass
class Api:
    """A client bound to one org and one token; paths may use ``{org}``."""

    client: TestClient
    db: Database
    org_id: str
    token: str
    user_id: str
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """``/api/v4`` + path with ``{org}`` filled in."""
        return "/api/v4" + path.replace("{org}", self.org_id)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request with this API's token."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.request(method, self.url(path), headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET."""
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        """PUT."""
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        """POST."""
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        """PATCH."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request, assert a 200 with ``ok: true`` and return ``response``."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ok"] is True, body
        return body.get("response")

    def as_role(self, role: str, email: str | None = None) -> Api:
        """Another user of the same org holding ``role`` (alias or id), with a token."""
        found = builtin.get(role)
        role_id = found.id if found else role
        with self.db.session() as session:
            user = User(
                org_id=self.org_id,
                email=email or f"{uuid.uuid4().hex[:8]}@example.com",
                name=role,
                org_role_id=role_id,
            )
            session.add(user)
            session.flush()
            issued = tokens.create(
                session,
                org_id=self.org_id,
                user_id=user.id,
                role_id=role_id,
                scopes=sorted(role_scopes(session, self.org_id, role_id)),
                key=TEST_KEY,
                issuer="sordino",
                label=f"test {role}",
            )
            user_id = user.id
        return Api(self.client, self.db, self.org_id, issued.value, user_id)


def new_org(client: TestClient, db: Database, name: str = "test-org") -> Api:
    """A fresh org with a Super Admin and its token."""
    with db.session() as session:
        made = orgs.create(
            session,
            name=name,
            email=f"admin-{uuid.uuid4().hex[:8]}@example.com",
            key=TEST_KEY,
            issuer="sordino",
        )
        return Api(client, db, made.org.id, made.token.value, made.user.id)


@pytest.fixture
def api(client: TestClient, db: Database) -> Api:
    """A fresh org and its Super Admin, for one test."""
    return new_org(client, db)


@pytest.fixture
def other_api(client: TestClient, db: Database) -> Api:
    """A second, unrelated org, for cross-org checks."""
    return new_org(client, db, "other-org")
