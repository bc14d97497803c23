"""End to end: ``sordino analyze`` of the multi-language sample app makes a compound."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sordino.apps.models import App
from sordino.cli.main import app as cli
from sordino.compounds.models import Compound, PolyglotScan
from sordino.config import get_settings
from sordino.db import Database
from sordino.scans.models import Scan

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vulnerable-app"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the whole sample app and a fresh embedded store."""
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SORDINO_DATABASE_URL", raising=False)
    monkeypatch.delenv("SORDINO_SERVER", raising=False)
    get_settings.cache_clear()
    shutil.copytree(SAMPLE, tmp_path / "src")
    yield tmp_path / "src"
    get_settings.cache_clear()


def test_analyze_of_the_sample_app_makes_a_compound(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", "--app", "shop", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "of compound shop" in result.output
    assert "member app shop_element_PYTHONSRC" in result.output
    db = Database(get_settings().resolved_database_url)
    with db.session() as session:
        compound = session.scalars(select(Compound)).one()
        members = session.scalars(
            select(App).where(App.compound_id == compound.id)
        ).all()
        assert len(members) >= 4
        assert {"PYTHONSRC", "JSSRC", "JAVASRC", "GO"} <= {m.platform for m in members}
        polyglot = session.scalars(select(PolyglotScan)).one()
        assert set(polyglot.platforms) == {m.platform for m in members}
        member_scans = session.scalars(
            select(Scan).where(Scan.polyglot_scan_id == polyglot.id)
        ).all()
        assert len(member_scans) == len(members)
        assert (
            polyglot.counts["vulns"]["critical"] + polyglot.counts["vulns"]["high"] > 0
        )
        assert polyglot.counts["secrets"] >= 1


def test_compound_flag_forces_a_compound_for_one_language(workspace: Path) -> None:
    target = workspace / "go"
    result = CliRunner().invoke(
        cli, ["analyze", "--app", "gosvc", "--compound", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "member app gosvc_element_GO" in result.output


def test_compound_choice_follows_platforms_unless_forced() -> None:
    from sordino.cli.analyze import _as_compound
    from tests.api.compound_data import bundle

    several = bundle()
    one = bundle(languages=["go"], findings=[], packages=[])
    assert _as_compound(several, None) is True
    assert _as_compound(one, None) is False
    assert _as_compound(several, False) is False
    assert _as_compound(one, True) is True
