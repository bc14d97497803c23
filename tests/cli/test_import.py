"""``sordino import --server``: what a CI job sees when the server refuses a report."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sordino.cli import target
from sordino.cli.main import app as cli
from tests.cli.server import route_to
from tests.conftest import Api

runner = CliRunner()


@pytest.fixture
def via_api(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    route_to(api, monkeypatch)
    return ["--server", "http://sordino.test", "--token", api.token]


def test_a_valid_report_is_stored_on_the_server(
    api: Api, via_api: list[str], tmp_path: Path
) -> None:
    report = tmp_path / "empty.sarif"
    report.write_text('{"version": "2.1.0", "runs": []}')

    result = runner.invoke(cli, ["import", "--app", "shop", str(report), *via_api])

    assert result.exit_code == 0, result.output
    scans = api.get("/orgs/{org}/apps/shop/scans").json()["response"]["scans"]
    assert len(scans) == 1


def test_a_report_the_server_refuses_exits_2_like_a_local_one(
    api: Api, via_api: list[str], tmp_path: Path
) -> None:
    report = tmp_path / "broken.sarif"
    report.write_text('{"version": "2.1.0", "runs": [')

    result = runner.invoke(cli, ["import", "--app", "shop", str(report), *via_api])

    assert result.exit_code == 2, result.output
    assert "import refused" in result.output


def test_an_unreachable_server_exits_3(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(self: target.Server) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(_refuse_connection))

    monkeypatch.setattr(target.Server, "client", unreachable)
    report = tmp_path / "empty.sarif"
    report.write_text('{"version": "2.1.0", "runs": []}')
    args = ["--server", "http://sordino.test", "--token", api.token]

    result = runner.invoke(cli, ["import", "--app", "shop", str(report), *args])

    assert result.exit_code == 3, result.output
    assert "cannot reach" in result.output


def _refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)
