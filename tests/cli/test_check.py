"""``sordino check`` as a CI job runs it: embedded database and server mode."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sordino.analysis import runner as runner_module
from sordino.cli.main import app as cli
from sordino.config import get_settings
from sordino.db import Database
from sordino.ingest.bundle import FindingRecord, ScanBundle
from sordino.orgs import service as orgs
from tests.api import compound_data
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.cli.server import route_to
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


def test_findings_past_num_findings_are_counted(local: Any, tmp_path: Path) -> None:
    db, org_id = local
    add_scan(db, org_id, [weak_hash()])
    add_scan(db, org_id, [weak_hash(), *(sqli(line=n) for n in (10, 20, 30))])
    config = tmp_path / "gate.yml"
    config.write_text(
        "version: 2\nmeta: {kind: diff, num_findings: 1}\n"
        "rules: [{id: gate, threshold: 0, tags: {severity: [critical]}}]\n"
    )

    result = runner.invoke(cli, ["check", "--app", "shop", "--config", str(config)])

    assert result.exit_code == 1, result.output
    assert "gate: ... and 2 more" in result.output


def test_a_feature_branch_is_compared_with_the_default_branch(local: Any) -> None:
    db, org_id = local
    add_scan(db, org_id, [sqli(), weak_hash()], branch="main")  # the default now
    feature = add_scan(db, org_id, [sqli(), sqli(line=40)], branch="feature")

    result = runner.invoke(cli, ["check", "--app", "shop", "--branch", "feature"])

    assert result.exit_code == 1, result.output
    assert f"scan {feature['scan']} against scan" in result.output
    lines = [line for line in result.output.splitlines() if "no-new-critical:" in line]
    assert len(lines) == 1, result.output  # only the new one, not the one main has


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

    # The branch's first scan has nothing before it: every finding is new.
    no_previous = runner.invoke(cli, [*args, "--base", "feature"])
    assert no_previous.exit_code == 1, no_previous.output
    assert "no earlier scan to compare with" in no_previous.output
    unknown = runner.invoke(cli, [*args, "--base", "nowhere"])
    assert unknown.exit_code == 2
    assert "source" in unknown.output

    # Without a base, a feature branch is compared with the default branch.
    default_base = runner.invoke(cli, ["check", "--app", "shop", "--branch", "feature"])
    assert "against scan" in default_base.output, default_base.output

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
    route_to(api, monkeypatch)
    args = ["check", "--app", "shop", "--server", "http://testserver"]

    result = runner.invoke(cli, [*args, "--token", api.token])

    assert result.exit_code == 1, result.output
    assert "no-new-critical" in result.output
    refused = runner.invoke(cli, [*args, "--token", "not-a-jwt"])
    assert refused.exit_code == 2


def test_server_and_token_from_the_environment(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A CI runner has no profile: SORDINO_SERVER and SORDINO_TOKEN, as for analyze.
    monkeypatch.setenv("SORDINO_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    add_scan(api.db, api.org_id, [weak_hash()])
    add_scan(api.db, api.org_id, [weak_hash(), sqli()])
    route_to(api, monkeypatch)
    monkeypatch.setenv("SORDINO_SERVER", "http://testserver")
    monkeypatch.setenv("SORDINO_TOKEN", api.token)

    result = runner.invoke(cli, ["check", "--app", "shop"])

    get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "no-new-critical" in result.output
    assert not (tmp_path / "empty" / "sordino.db").exists()


SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vulnerable-app"
Prepared = tuple[list[str], list[FindingRecord]]


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> list[Prepared]:
    """Stand-in engines: each ``sordino analyze`` finds the next prepared results."""
    queue: list[Prepared] = []

    def run(path: Path, *, app: str, **options: Any) -> ScanBundle:
        languages, findings = queue.pop(0)
        return ScanBundle(
            app=app,
            version=options.get("version") or "",
            branch=options.get("branch") or "",
            languages=languages,
            findings=findings,
        )

    monkeypatch.setattr(runner_module, "analyze", run)
    return queue


def _analyze(tree: Path) -> str:
    result = runner.invoke(cli, ["analyze", "--app", "shop", str(tree)])
    assert result.exit_code == 0, result.output
    return result.output


def _command_injection() -> FindingRecord:
    return FindingRecord(
        rule_id="go.cmdi",
        title="Command injection in the go handler",
        severity="critical",
        cvss_score=9.1,
        category="Command Injection",
        cwe=[78],
        language="go",
        file="go/exec.go",
        line=7,
        snippet="exec.Command(input)",
    )


def test_analyze_then_check_gates_a_single_language_app(
    local: Any, engines: list[Prepared], tmp_path: Path
) -> None:
    engines.append((["python"], [weak_hash()]))
    engines.append((["python"], [weak_hash(), sqli()]))
    engines.append((["python"], [weak_hash(), sqli()]))

    assert "of app shop" in _analyze(tmp_path)
    _analyze(tmp_path)
    failing = runner.invoke(cli, ["check", "--app", "shop"])
    _analyze(tmp_path)
    passing = runner.invoke(cli, ["check", "--app", "shop"])

    assert failing.exit_code == 1, failing.output
    assert sqli().title in failing.output
    assert "FAIL" in failing.output
    assert passing.exit_code == 0, passing.output
    assert "against scan" in passing.output


def test_analyze_then_check_gates_a_compound(
    local: Any, engines: list[Prepared], tmp_path: Path
) -> None:
    sample = compound_data.findings()
    engines.append((compound_data.LANGUAGES, sample))
    engines.append((compound_data.LANGUAGES, [*sample, _command_injection()]))

    assert "of compound shop" in _analyze(tmp_path)
    first = runner.invoke(cli, ["check", "--app", "shop"])
    _analyze(tmp_path)
    second = runner.invoke(cli, ["check", "--app", "shop"])

    # The first scan has nothing to compare with: its two criticals are new.
    assert first.exit_code == 1, first.output
    # rich wraps the table caption to the terminal width: compare unwrapped text
    assert "no earlier scan" in " ".join(first.output.split())
    assert second.exit_code == 1, second.output
    assert "Command injection in the go handler" in second.output
    assert "SQL Injection in python handler" not in second.output
    assert "polyglot scan" in second.output


def test_compound_without_new_criticals_passes(
    local: Any, engines: list[Prepared], tmp_path: Path
) -> None:
    sample = compound_data.findings()
    engines.append((compound_data.LANGUAGES, [*sample, _command_injection()]))
    engines.append((compound_data.LANGUAGES, sample))

    _analyze(tmp_path)
    _analyze(tmp_path)
    result = runner.invoke(cli, ["check", "--app", "shop"])

    assert result.exit_code == 0, result.output
    assert "pass" in result.output


def test_real_analysis_of_the_sample_then_check_fails_the_build(
    local: Any, tmp_path: Path
) -> None:
    tree = tmp_path / "src"
    shutil.copytree(SAMPLE, tree)

    assert "of compound shop" in _analyze(tree)
    result = runner.invoke(cli, ["check", "--app", "shop"])

    # The sample's injections are critical and all of them are new.
    assert result.exit_code == 1, result.output
    assert "no-new-critical" in result.output
    assert "FAIL" in result.output
