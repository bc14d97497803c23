"""``sordino vulndb import`` and ``sordino vulndb status`` on an embedded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sordino.cli.main import app as cli
from sordino.config import get_settings
from tests.vulndb.conftest import PYPA


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SORDINO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_status_before_and_after_import(store: Path) -> None:
    if not (PYPA / "werkzeug").is_dir():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    runner = CliRunner()
    before = runner.invoke(cli, ["vulndb", "status"])
    assert before.exit_code == 0, before.output
    assert "no advisories loaded" in before.output

    count = len(list((PYPA / "werkzeug").glob("*.yaml")))
    first = runner.invoke(cli, ["vulndb", "import", str(PYPA / "werkzeug")])
    assert first.exit_code == 0, first.output
    assert f"{count} new, 0 updated, 0 unchanged" in first.output

    again = runner.invoke(cli, ["vulndb", "import", str(PYPA / "werkzeug")])
    assert f"0 new, 0 updated, {count} unchanged" in again.output

    after = runner.invoke(cli, ["vulndb", "status"])
    assert after.exit_code == 0, after.output
    assert "PyPI" in after.output
    assert f"{count} advisories (0 withdrawn) from 2 imports" in after.output
    assert "last import:" in after.output
    assert "(today)" in after.output


def test_import_of_a_missing_path_is_a_clear_error(store: Path) -> None:
    result = CliRunner().invoke(cli, ["vulndb", "import", str(store / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


def test_import_with_an_invalid_advisory_exits_1_and_keeps_the_rest(
    store: Path,
) -> None:
    folder = store / "advisories"
    folder.mkdir()
    good = {
        "id": "TEST-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "flask"}}],
    }
    (folder / "good.json").write_text(json.dumps(good))
    (folder / "bad.json").write_text(json.dumps({"id": "BAD-1", "affected": "x"}))
    result = CliRunner().invoke(cli, ["vulndb", "import", str(folder)])
    assert result.exit_code == 1, result.output
    assert "1 new" in result.output
    assert "1 unreadable" in result.output
    assert "BAD-1 is not valid OSV: /affected must be an array" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    status = CliRunner().invoke(cli, ["vulndb", "status"])
    assert "PyPI" in status.output
