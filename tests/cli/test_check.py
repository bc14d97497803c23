"""``sordino check`` as a CI job runs it: embedded database and server mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sordino.cli import check as check_cli
from sordino.cli.main import app as cli
from sordino.config import get_settings
from sordino.db import Database
from sordino.orgs import service as orgs
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import TEST_KEY, Api

runner = CliRunner()


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An embedded database in a fresh data dir, with one org."""
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SORDINO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    db = Database(f"sqlite:///{tmp_path / 'sordino.db'}")
    db.upgrade()
    with db.session() as session:
        made = orgs.create(
            session, name="ci", email="ci@example.com", key=TEST_KEY, issuer="sordino"
        )
        org_id = made.org.id
    yield db, org_id
    db.engine.dispose()
    get_settings.cache_clear()


def test_new_critical_fails_the_build(local: Any) -> None:
    db, org_id = local
    add_scan(db, org_id, [weak_hash()])
    add_scan(db, org_id, [weak_hash(), sqli()])

    result = runner.invoke(cli, ["check", "--app", "shop"])

    assert result.exit_code == 1, result.output
    assert "no-new-critical" in result.output
    assert "FAIL" in result.output
    assert sqli().title in result.output


def test_no_new_critical_passes(local: Any) -> None:
    db, org_id = local
    add_scan(db, org_id, [sqli()])
    add_scan(db, org_id, [sqli(), xss()])

    result = runner.invoke(cli, ["check", "--app", "shop"])

    assert result.exit_code == 0, result.output
    assert "pass" in result.output


def test_config_file_rules_and_branches(local: Any, tmp_path: Path) -> None:
    db, org_id = local
    add_scan(db, org_id, [sqli()], branch="main")
    add_scan(db, org_id, [sqli(), xss()], branch="feature")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 2\nrules:\n  - id: no-high\n    tags: {severity: [high]}\n"
        "    threshold: 0\n"
    )
    args = ["check", "--app", "shop", "--config", str(rules), "--branch", "feature"]

    failing = runner.invoke(cli, [*args, "--base", "main"])
    assert failing.exit_code == 1, failing.output
    assert "no-high" in failing.output

    no_previous = runner.invoke(cli, [*args, "--base", "feature"])
    assert no_previous.exit_code == 2
    assert "source" in no_previous.output

    add_scan(db, org_id, [sqli(), xss()], branch="feature")
    passing = runner.invoke(cli, [*args, "--base", "feature"])
    assert passing.exit_code == 0, passing.output


def test_problems_exit_2_with_a_message(local: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 3\nrules: []\n")
    missing = runner.invoke(cli, ["check", "--app", "nothing"])
    assert missing.exit_code == 2
    assert "no app named 'nothing'" in missing.output
    invalid = runner.invoke(cli, ["check", "--app", "shop", "--config", str(bad)])
    assert invalid.exit_code == 2
    assert "version" in invalid.output
    nofile = runner.invoke(cli, ["check", "--app", "x", "--config", "/nonexistent"])
    assert nofile.exit_code == 2


def test_server_mode_posts_the_rules(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    add_scan(api.db, api.org_id, [weak_hash()])
    add_scan(api.db, api.org_id, [weak_hash(), sqli()])

    def post(url: str, **kwargs: Any) -> Any:
        kwargs.pop("timeout", None)
        return api.client.post(url.removeprefix("http://testserver"), **kwargs)

    monkeypatch.setattr(check_cli.httpx, "post", post)
    args = ["check", "--app", "shop", "--server", "http://testserver"]

    result = runner.invoke(cli, [*args, "--token", api.token])

    assert result.exit_code == 1, result.output
    assert "no-new-critical" in result.output
    refused = runner.invoke(cli, [*args, "--token", "not-a-jwt"])
    assert refused.exit_code == 2
