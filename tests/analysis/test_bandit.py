"""Tests for the bandit adapter, on bandit output captured from the test trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis.engines.bandit import flagged_code, parse_output
from sordino.analysis.engines.base import EngineError
from tests.analysis.tree import SAMPLES, make_tree


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / f"bandit_{name}.json").read_text())


def test_empty(tmp_path: Path) -> None:
    result = parse_output(_sample("empty"), make_tree(tmp_path, "empty"))
    assert result.findings == []
    assert result.warnings == []


def test_one(tmp_path: Path) -> None:
    [finding] = parse_output(_sample("one"), make_tree(tmp_path, "one")).findings
    assert finding.rule_id == "bandit.B605"
    assert finding.file == "tool.py"
    assert finding.line == 8
    assert finding.snippet == '    return os.system("ls " + path)'
    assert finding.cwe == [78]
    assert finding.category == "Command Injection"
    assert finding.owasp_2021 == "a03-injection"
    assert finding.severity == "high"
    assert finding.title.startswith("Command Injection: ")
    assert finding.language == "python"
    assert finding.engine == "bandit"


def test_many(tmp_path: Path) -> None:
    result = parse_output(_sample("many"), make_tree(tmp_path, "many"))
    by_rule = {f.rule_id: f for f in result.findings}
    assert sorted(by_rule) == [
        "bandit.B105",
        "bandit.B404",
        "bandit.B602",
        "bandit.B608",
    ]
    assert by_rule["bandit.B608"].category == "SQL Injection"
    assert by_rule["bandit.B608"].severity == "medium"
    assert by_rule["bandit.B602"].severity == "high"
    assert by_rule["bandit.B404"].severity == "low"
    assert all(f.file == "app/views.py" for f in result.findings)
    # CWE-259 (hard-coded password) falls under Hardcoded Credentials.
    assert by_rule["bandit.B105"].category == "Hardcoded Credentials"


def test_hardcoded_password_is_masked(tmp_path: Path) -> None:
    result = parse_output(_sample("many"), make_tree(tmp_path, "many"))
    [password] = [f for f in result.findings if f.rule_id == "bandit.B105"]
    raw = "Xk9#mQ2vLp8zRt4w"
    assert raw in json.dumps(_sample("many"))
    assert raw not in password.model_dump_json()
    assert "Xk9#" + "*" * 12 in password.title
    assert password.snippet == 'DB_PASSWORD = "Xk9#************"'


def test_flagged_code_keeps_only_the_flagged_lines() -> None:
    code = "4 a = 1\n5 b = call(\n6     x)\n7 c = 3\n"
    assert flagged_code(code, [5, 6]) == "b = call(\n    x)"


def test_not_a_report() -> None:
    with pytest.raises(EngineError, match="not a JSON report"):
        parse_output(["nope"], Path())
