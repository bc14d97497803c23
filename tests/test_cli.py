"""The ``sordino`` command line: init, token create/revoke, db upgrade, serve."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from sordino.api.app import create_app
from sordino.cli.main import app as cli
from sordino.config import Settings, get_settings
from sordino.rbac import builtin
from tests.conftest import make_database_url

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SORDINO_DATA_DIR and database (PostgreSQL when the tests use it)."""
    for name in ("SORDINO_SECRET_KEY", "SORDINO_PUBLIC_URL", "SORDINO_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    url, drop = make_database_url(tmp_path)
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SORDINO_DATABASE_URL", url)
    monkeypatch.setenv("SORDINO_LOG_FORMAT", "json")
    monkeypatch.setenv("SORDINO_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()
    drop()


def run(*args: str) -> Any:
    """Invoke the CLI in process."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def field(output: str, name: str) -> str:
    """The value printed after ``name:`` on a line of its own."""
    found = re.search(rf"^{name}:\s+(\S+)", output, flags=re.M)
    assert found, output
    return found.group(1)


def served(token: str) -> tuple[TestClient, str]:
    """A client of the app built from the environment, and the token's org."""
    org = jwt.decode(token, options={"verify_signature": False})["orgID"]
    client = TestClient(create_app(Settings()))
    client.headers["Authorization"] = f"Bearer {token}"
    return client, str(org)


def test_init_prints_and_saves_a_working_token(data_dir: Path) -> None:
    result = run("init", "--org-name", "acme", "--email", "root@acme.test")
    assert result.exit_code == 0, result.output
    org_id = field(result.output, "org")
    token = field(result.output, "token")
    assert re.fullmatch(UUID, org_id)
    assert "(acme)" in result.output
    assert "root@acme.test (Super Admin)" in result.output
    profile = data_dir / "profile.json"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert json.loads(profile.read_text()) == {
        "org_id": org_id,
        "token": token,
        "server": "http://127.0.0.1:8080",
    }
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["orgID"] == org_id
    assert claims["scopes"] == sorted(builtin.SUPER_ADMIN.scopes)
    client, org = served(token)
    with client:
        apps = client.get(f"/api/v4/orgs/{org}/apps")
        assert apps.json() == {"ok": True, "response": []}
        created = client.put(f"/api/v4/orgs/{org}/apps", json=[{"id": "first"}])
        assert created.status_code == 200
        listed = client.get(f"/api/v4/orgs/{org}/apps").json()["response"]
        assert [a["id"] for a in listed] == ["first"]


def test_second_init_refuses(data_dir: Path) -> None:
    first = run("init")
    assert first.exit_code == 0
    org_id = field(first.output, "org")
    saved = (data_dir / "profile.json").read_text()
    second = run("init", "--org-name", "again")
    assert second.exit_code == 1
    assert f"an org already exists ({org_id})" in second.output
    assert "token:" not in second.output
    assert (data_dir / "profile.json").read_text() == saved


def test_token_create_and_revoke(data_dir: Path) -> None:
    assert run("init").exit_code == 0
    made = run("token", "create", "--role", "MEMBER", "--label", "ci")
    assert made.exit_code == 0, made.output
    token_id = field(made.output, "id")
    token = field(made.output, "token")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["jti"] == token_id
    assert claims["scopes"] == sorted(builtin.MEMBER.scopes)
    assert "exp" not in claims
    client, org = served(token)
    with client:
        assert client.get(f"/api/v4/orgs/{org}/apps").status_code == 200
        refused = client.put(f"/api/v4/orgs/{org}/apps", json=[{"id": "x"}])
        assert refused.status_code == 403
        revoked = run("token", "revoke", token_id)
        assert revoked.exit_code == 0
        assert f"revoked {token_id}" in revoked.output
        after = client.get(f"/api/v4/orgs/{org}/apps")
        assert after.status_code == 401
        assert after.json()["message"] == "the token has been revoked"
    again = run("token", "revoke", token_id)
    assert again.exit_code == 1
    assert f"no live token with id {token_id}" in again.output


def test_token_create_with_a_lifetime(data_dir: Path) -> None:
    assert run("init").exit_code == 0
    made = run("token", "create", "--role", "GUEST", "--valid-for", "60")
    assert made.exit_code == 0, made.output
    claims = jwt.decode(
        field(made.output, "token"), options={"verify_signature": False}
    )
    assert claims["exp"] == claims["iat"] + 60


def test_token_create_refuses_bad_input(data_dir: Path) -> None:
    before = run("token", "create", "--role", "MEMBER")
    assert before.exit_code == 2
    assert "sordino init" in before.output
    assert run("init").exit_code == 0
    unknown = run("token", "create", "--role", "EMPEROR")
    assert unknown.exit_code == 2
    assert "unknown role 'EMPEROR'" in unknown.output
    nobody = run("token", "create", "--role", "MEMBER", "--email", "x@nowhere")
    assert nobody.exit_code == 2
    assert "no user x@nowhere" in nobody.output
    zero = run("token", "create", "--role", "MEMBER", "--valid-for", "0")
    assert zero.exit_code == 2
    missing = run("token", "create")
    assert missing.exit_code == 2
    assert "--role" in missing.output


def test_token_create_follows_the_users_org_role(data_dir: Path) -> None:
    assert run("init").exit_code == 0
    added = run("user", "add", "tina@example.com", "--role", "TEAM_DEFINED")
    assert added.exit_code == 0, added.output
    tina = re.search(rf"user ({UUID})", added.output)
    assert tina, added.output
    stronger = run("token", "create", "--role", "MEMBER", "--email", "tina@example.com")
    assert stronger.exit_code == 2
    assert "grants more than" in stronger.output
    team_only = run("token", "create", "--role", "TEAM_MANAGER")
    assert team_only.exit_code == 2
    assert "team role" in team_only.output
    made = run(
        "token", "create", "--role", "TEAM_DEFINED", "--email", "TINA@Example.com"
    )
    assert made.exit_code == 0, made.output
    claims = jwt.decode(
        field(made.output, "token"), options={"verify_signature": False}
    )
    assert claims["userID"] == tina.group(1)
    assert claims["scopes"] == sorted(builtin.TEAM_DEFINED.scopes)


def test_db_upgrade_is_idempotent(data_dir: Path) -> None:
    url = make_url(get_settings().resolved_database_url)
    for _ in range(2):
        result = run("db", "upgrade")
        assert result.exit_code == 0, result.output
        assert result.output.endswith(" is up to date\n")
        assert str(url.database) in result.output
        if url.password:
            assert str(url.password) not in result.output


def test_serve_passes_its_options_to_uvicorn(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []

    def fake_run(target: str, **options: Any) -> None:
        calls.append({"target": target, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("SORDINO_TRUST_PROXY_HEADERS", "true")
    get_settings.cache_clear()
    result = run(
        "serve", "--host", "192.0.2.10", "--port", "9443",
        "--tls-cert", "c.pem", "--tls-key", "k.pem", "--workers", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = {
        "target": "sordino.api.app:create_app",
        "factory": True,
        "host": "192.0.2.10",
        "port": 9443,
        "workers": 2,
        "ssl_certfile": "c.pem",
        "ssl_keyfile": "k.pem",
        "proxy_headers": True,
        "forwarded_allow_ips": "*",
        "log_level": "warning",
        "timeout_keep_alive": 75,
    }
    assert len(calls) == 1
    assert {key: calls[0].get(key) for key in expected} == expected


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("init", "serve", "token", "db"):
        assert command in result.output
