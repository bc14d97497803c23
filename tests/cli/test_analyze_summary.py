"""The summary ``sordino analyze`` prints counts what the scan stored.

Dependency vulnerabilities are added at ingest, on the server when there is
one: a summary of the analysed bundle left all of them out (115 of 209).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sordino.analysis import engines as engine_registry
from sordino.api.app import create_app
from sordino.cli.main import app as cli
from sordino.cli.target import Server
from sordino.config import Settings, get_settings
from sordino.vulndb.service import import_path
from tests.conftest import TEST_KEY, Api, new_org
from tests.vulndb.conftest import PYPA

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vulnerable-app" / "python"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The Python sample, a fresh embedded store, and only the lockfile engine."""
    if not (PYPA / "requests").is_dir():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SORDINO_DATABASE_URL", raising=False)
    monkeypatch.delenv("SORDINO_SERVER", raising=False)
    lockfiles = engine_registry.by_name("lockfiles")
    monkeypatch.setattr("sordino.analysis.runner.ENGINES", (lockfiles,))
    get_settings.cache_clear()
    shutil.copytree(SAMPLE, tmp_path / "src")
    yield tmp_path / "src"
    get_settings.cache_clear()


def _rows(output: str, title: str) -> list[list[str]]:
    """The body rows of the rich table titled ``title``, as cell texts."""
    table = output.split(title, 1)[1]
    rows = []
    for line in table.splitlines()[4:]:
        if line.startswith(("└", "├")):
            if line.startswith("└"):
                break
            continue
        rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def _stored_total(output: str) -> int:
    match = re.search(r"stored findings: (\d+)", output)
    assert match is not None, output
    return int(match.group(1))


def _check_counts(output: str, stored: int) -> None:
    """Every stored finding is counted once by type and once by category."""
    assert _stored_total(output) == stored
    severity = {row[0]: row for row in _rows(output, "Findings by severity")}
    assert int(severity["all"][-1]) == stored
    assert (
        sum(int(row[-1]) for name, row in severity.items() if name != "all") == stored
    )
    categories = _rows(output, "Findings by category")
    assert sum(int(row[-1]) for row in categories) == stored
    by_type = {(row[0], row[1]): int(row[2]) for row in categories}
    assert by_type[("oss_vuln", "(dependency vulnerabilities)")] == int(
        severity["oss_vuln"][-1]
    )
    assert by_type[("package", "(package inventory)")] == int(severity["package"][-1])
    # No category is named after a finding type.
    assert not {row[1] for row in categories} & {"vuln", "package", "oss_vuln"}


def test_embedded_summary_counts_dependency_vulnerabilities(workspace: Path) -> None:
    runner = CliRunner()
    imported = runner.invoke(cli, ["vulndb", "import", str(PYPA / "requests")])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert result.exit_code == 0, result.output
    stored = re.search(r"scan \d+ of app shop: (\d+) findings", result.output)
    assert stored is not None, result.output
    _check_counts(result.output, int(stored.group(1)))
    assert "every applicable engine completed" in result.output


class _InProcess:
    """Stands in for the HTTP client the CLI opens to a server."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.request(method, "/api/v4" + path, headers=headers, **kwargs)


@pytest.fixture
def server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Api]]:
    """A server with the requests advisories, reached in process by the CLI."""
    settings = Settings(
        data_dir=tmp_path / "server",
        database_url=f"sqlite:///{tmp_path / 'server.db'}",
        secret_key=TEST_KEY,
        log_format="json",
        log_level="WARNING",
        immediate_jobs=True,
    )
    app = create_app(settings)
    with app.state.db.session() as session:
        import_path(session, PYPA / "requests")
    with TestClient(app, base_url="http://testserver") as client:
        api = new_org(client, app.state.db)
        monkeypatch.setattr(
            Server, "client", lambda self: _InProcess(client, self.token)
        )
        yield "http://testserver", api
    app.state.db.engine.dispose()


def test_server_summary_counts_what_the_server_stored(
    workspace: Path, server: tuple[str, Api]
) -> None:
    url, api = server
    result = CliRunner().invoke(
        cli,
        ["analyze", "--app", "shop", "--server", url, "--token", api.token]
        + [str(workspace)],
    )
    assert result.exit_code == 0, result.output
    [scan] = api.ok("GET", "/orgs/{org}/apps/shop/scans")["scans"]
    assert scan["total"] > 9  # the 9 packages and their advisories
    _check_counts(result.output, scan["total"])
