"""``sordino user add``: adds users to the first org with an org role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sordino.cli.main import app
from sordino.config import get_settings
from sordino.db import Database
from sordino.rbac import builtin
from sordino.rbac.models import User
from tests.conftest import make_database_url


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data directory used by the CLI through the environment."""
    url, drop = make_database_url(tmp_path)
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SORDINO_DATABASE_URL", url)
    monkeypatch.delenv("SORDINO_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    drop()


def _users(data_dir: Path) -> dict[str, str]:
    db = Database(get_settings().resolved_database_url, pooled=False)
    with db.session() as session:
        rows = session.scalars(select(User)).all()
        result = {user.email: user.org_role_id for user in rows}
    db.engine.dispose()
    return result


def test_user_add_with_role_alias(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--email", "root@example.com"]).exit_code == 0
    added = runner.invoke(
        app, ["user", "add", "dev@example.com", "--role", "POWER_USER"]
    )
    assert added.exit_code == 0, added.output
    assert "dev@example.com" in added.output
    assert _users(data_dir)["dev@example.com"] == builtin.POWER_USER.id


def test_user_add_refuses_duplicates_and_team_roles(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["init", "--email", "root@example.com"])
    again = runner.invoke(app, ["user", "add", "ROOT@example.com"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    team_role = runner.invoke(
        app, ["user", "add", "x@example.com", "--role", "TEAM_MANAGER"]
    )
    assert team_role.exit_code == 2
    assert "not an org role" in team_role.output
    assert set(_users(data_dir)) == {"root@example.com"}


def test_user_add_before_init_is_a_clear_error(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["user", "add", "a@example.com"])
    assert result.exit_code == 2
    assert "sordino init" in result.output


def test_user_add_refuses_what_is_not_an_email_address(data_dir: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["init", "--email", "root@example.com"])
    for bad in ("a b@@", "no-at-sign", "@example.com", "x@", "x@exa mple.com"):
        refused = runner.invoke(app, ["user", "add", bad])
        assert refused.exit_code == 2, bad
        assert "not an email address" in refused.output
    assert runner.invoke(app, ["user", "add", "dev@localhost"]).exit_code == 0
    assert set(_users(data_dir)) == {"root@example.com", "dev@localhost"}
