"""Engines whose tool fails are failures of the scan, even when they printed JSON.

Each test puts a fake tool first on PATH: it prints a valid report and exits
with the code under test, the way a tool that crashed half-way does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis.engines.bandit import BanditEngine
from sordino.analysis.engines.base import Engine
from sordino.analysis.engines.secrets import SecretsEngine
from sordino.analysis.engines.semgrep import SemgrepEngine
from sordino.analysis.runner import analyze
from sordino.ingest.bundle import ScanBundle, analysis_succeeded
from tests.analysis.fakes import fake_tool
from tests.analysis.tree import SAMPLES, make_tree

FATAL = {"level": "error", "type": "Fatal error", "message": "out of stack\nmore"}


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    tool: str,
    stdout: object,
    code: int,
) -> ScanBundle:
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, tool, stdout, code)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    root = make_tree(tmp_path / "src", "one")
    return analyze(root, app="a", version="", branch="", tags={}, engines=[engine])


def test_semgrep_fatal_error_with_results_is_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = {**_sample("semgrep_one"), "errors": [FATAL]}
    bundle = _run(tmp_path, monkeypatch, SemgrepEngine(), "semgrep", output, 2)
    [failure] = bundle.failures
    assert (failure.engine, failure.reason) == ("semgrep", "crashed")
    assert failure.message == "semgrep exited 2: Fatal error: out of stack"
    # What semgrep printed before failing is kept; the scan is not successful.
    assert len(bundle.findings) == 2
    assert bundle.stats["engines"]["semgrep"]["status"] == "crashed"
    assert bundle.stats["warnings"] == []
    assert not analysis_succeeded(bundle.failures)


def test_semgrep_exit_2_with_empty_output_is_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = {"results": [], "errors": []}
    bundle = _run(tmp_path, monkeypatch, SemgrepEngine(), "semgrep", output, 2)
    [failure] = bundle.failures
    assert failure.reason == "crashed"
    assert failure.message == "semgrep exited 2: semgrep went wrong"


@pytest.mark.parametrize(
    "error",
    [
        {"level": "error", "type": "Rule parse error", "message": "bad rule"},
        {"level": "error", "type": "Invalid YAML", "message": "bad rule"},
        {"level": "error", "type": "Timeout", "message": "no file named"},
    ],
)
def test_semgrep_errors_that_are_not_about_one_file_fail_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: dict[str, Any]
) -> None:
    output = {"results": [], "errors": [error]}
    bundle = _run(tmp_path, monkeypatch, SemgrepEngine(), "semgrep", output, 0)
    [failure] = bundle.failures
    assert failure.reason == "crashed"
    assert failure.message == f"semgrep: {error['type']}: {error['message']}"


@pytest.mark.parametrize(
    "error",
    [
        {"level": "error", "type": "Syntax error", "message": "x", "path": "a.py"},
        {"level": "error", "type": "Lexical error", "message": "x", "path": "a.py"},
        {
            "level": "error",
            "type": ["PartialParsing", []],
            "message": "x",
            "path": "a.py",
        },
        {"level": "error", "type": "Timeout", "message": "x", "path": "a.py"},
        {"level": "warn", "type": "Fatal error", "message": "x"},
    ],
)
def test_semgrep_errors_about_one_file_are_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: dict[str, Any]
) -> None:
    output = {**_sample("semgrep_one"), "errors": [error]}
    bundle = _run(tmp_path, monkeypatch, SemgrepEngine(), "semgrep", output, 0)
    assert bundle.failures == []
    [warning] = bundle.stats["warnings"]
    assert warning.startswith(f"semgrep {error['level']}: ")


@pytest.mark.parametrize("code", [0, 1])
def test_semgrep_success_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    output = _sample("semgrep_one")
    bundle = _run(tmp_path, monkeypatch, SemgrepEngine(), "semgrep", output, code)
    assert bundle.failures == []
    assert len(bundle.findings) == 2


def test_bandit_exit_2_is_a_crash_even_with_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _sample("bandit_one")
    bundle = _run(tmp_path, monkeypatch, BanditEngine(), "bandit", output, 2)
    [failure] = bundle.failures
    assert (failure.engine, failure.reason) == ("bandit", "crashed")
    assert failure.message == "bandit exited 2: bandit went wrong"
    assert [f.rule_id for f in bundle.findings] == ["bandit.B605"]


def test_bandit_exit_1_means_issues_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _sample("bandit_one")
    bundle = _run(tmp_path, monkeypatch, BanditEngine(), "bandit", output, 1)
    assert bundle.failures == []


def test_detect_secrets_non_zero_exit_is_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _sample("detect_secrets_one")
    bundle = _run(tmp_path, monkeypatch, SecretsEngine(), "detect-secrets", output, 1)
    [failure] = bundle.failures
    assert (failure.engine, failure.reason) == ("secrets", "crashed")
    assert failure.message.startswith("detect-secrets exited 1: ")
    # sordino's own patterns still found the key in settings.ini.
    assert [f.file for f in bundle.findings] == ["settings.ini"]


def test_a_tool_killed_by_a_signal_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _sample("bandit_one")
    bundle = _run(tmp_path, monkeypatch, BanditEngine(), "bandit", output, -9)
    [failure] = bundle.failures
    assert failure.message == "bandit was killed by signal 9: bandit went wrong"
