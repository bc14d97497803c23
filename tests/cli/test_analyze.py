"""``sordino analyze`` end to end: real engines, the embedded store, rescans."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sordino.analysis import engines as engine_registry
from sordino.analysis.engines.base import EngineContext, EngineResult
from sordino.apps.models import App
from sordino.cli.main import app as cli
from sordino.config import get_settings
from sordino.db import Database
from sordino.findings.models import Finding, Occurrence
from sordino.ingest.bundle import EngineFailure
from sordino.scans.models import Scan

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vulnerable-app" / "python"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the Python sample and a fresh embedded store."""
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SORDINO_DATABASE_URL", raising=False)
    monkeypatch.delenv("SORDINO_SERVER", raising=False)
    get_settings.cache_clear()
    shutil.copytree(SAMPLE, tmp_path / "src")
    yield tmp_path / "src"
    get_settings.cache_clear()


def _findings(app_id: str) -> dict[str, tuple[int, int]]:
    """internal_id → (finding id, line) for the app's latest scan."""
    db = Database(get_settings().resolved_database_url)
    with db.session() as session:
        app = session.scalars(select(App).where(App.app_id == app_id)).one()
        scan_id = session.scalar(
            select(Scan.id).where(Scan.app_pk == app.pk).order_by(Scan.id.desc())
        )
        rows = session.execute(
            select(Finding.internal_id, Finding.id, Occurrence.line)
            .join(Occurrence, Occurrence.finding_id == Finding.id)
            .where(Occurrence.scan_id == scan_id)
        ).all()
    return {internal_id: (fid, line) for internal_id, fid, line in rows}


def test_rescan_after_inserting_lines_keeps_finding_ids(workspace: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert first.exit_code == 0, first.output
    assert "Findings by severity" in first.output
    assert "SQL Injection" in first.output
    before = _findings("shop")
    assert any(i.startswith("sordino.python.sqli/") for i in before)

    source = workspace / "app.py"
    source.write_text("# a new header\n" * 7 + source.read_text())
    second = runner.invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert second.exit_code == 0, second.output
    after = _findings("shop")

    code = {k for k in before if not k.startswith("package")}
    assert code <= set(after)
    for internal_id in code:
        finding_id, line = before[internal_id]
        assert after[internal_id][0] == finding_id
        if line:
            assert after[internal_id][1] == line + 7
    assert "0 new" in second.output


class _Broken:
    """An engine whose tool crashes."""

    name = "broken"
    optional = False

    def applies(self, inventory: object) -> bool:
        return True

    def available(self) -> bool:
        return True

    def run(self, ctx: EngineContext) -> EngineResult:
        failure = EngineFailure(
            engine=self.name, reason="crashed", message="exit status 139"
        )
        return EngineResult(findings=[], packages=[], failure=failure)


def test_a_broken_engine_is_reported_not_hidden(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lockfiles = engine_registry.by_name("lockfiles")
    monkeypatch.setattr("sordino.analysis.runner.ENGINES", (lockfiles, _Broken()))
    result = CliRunner().invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    # Exit 1 tells CI; the scan is stored with its failure all the same.
    assert result.exit_code == 1, result.output
    assert "engine broken crashed" in result.output
    assert "the analysis is incomplete: broken did not complete" in result.output
    assert "every applicable engine completed" not in result.output
    assert "scan 1 of app shop" in result.output
    db = Database(get_settings().resolved_database_url)
    with db.session() as session:
        scan = session.scalars(select(Scan)).one()
        assert scan.successful is False
        assert scan.failures[0]["engine"] == "broken"


class _Absent:
    """An engine whose tool is not installed."""

    def __init__(self, name: str, *, optional: bool) -> None:
        self.name = name
        self.optional = optional

    def applies(self, inventory: object) -> bool:
        return True

    def available(self) -> bool:
        return False

    def run(self, ctx: EngineContext) -> EngineResult:
        raise AssertionError("a missing engine is not run")


def test_a_missing_optional_engine_is_shown_as_missing_and_exits_0(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lockfiles = engine_registry.by_name("lockfiles")
    absent = _Absent("checkov", optional=True)
    monkeypatch.setattr("sordino.analysis.runner.ENGINES", (lockfiles, absent))
    result = CliRunner().invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "checkov: missing" in result.output
    assert "checkov: failed" not in result.output
    assert "engine checkov missing: checkov applies to this tree" in result.output
    assert "every required engine completed" in result.output


def test_a_missing_required_engine_exits_1(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lockfiles = engine_registry.by_name("lockfiles")
    absent = _Absent("semgrep", optional=False)
    monkeypatch.setattr("sordino.analysis.runner.ENGINES", (lockfiles, absent))
    result = CliRunner().invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert result.exit_code == 1, result.output
    assert "semgrep: missing" in result.output


def test_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["analyze", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Exit codes: 0 when the scan is stored and every engine ran" in text
    assert "1 when the scan is stored (with its failures) but an engine crashed" in text


@pytest.mark.parametrize(
    "bad", ["../../x", "a/b", "-x", "x y", "x\u0000", "shop\n", "a" * 256]
)
def test_analyze_and_import_refuse_app_ids_the_api_cannot_address(
    workspace: Path, bad: str
) -> None:
    """An app named ``../../x`` was stored, then listed but 404 on every path."""
    runner = CliRunner()
    report = workspace / "report.sarif"
    report.write_text('{"version": "2.1.0", "runs": []}')
    for args in (
        ["analyze", "--app", bad, str(workspace)],
        ["import", "--app", bad, str(report)],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "is not an app id" in result.output
    db = Database(get_settings().resolved_database_url)
    db.upgrade()
    with db.session() as session:
        assert session.scalars(select(App)).all() == []
