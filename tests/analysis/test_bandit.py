"""Tests for the bandit adapter, on bandit output captured from the test trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis import taxonomy
from sordino.analysis.engines.bandit import CATEGORIES, flagged_code, parse_output
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


def _item(test_id: str, cwe: int, text: str = "Use of eval") -> dict[str, Any]:
    return {
        "test_id": test_id,
        "test_name": "blacklist",
        "issue_cwe": {"id": cwe, "link": ""},
        "issue_text": text,
        "issue_severity": "MEDIUM",
        "issue_confidence": "HIGH",
        "filename": "./calc.py",
        "line_number": 3,
        "line_range": [3],
        "code": "3 result = eval(expression)\n",
    }


@pytest.mark.parametrize(
    ("test_id", "bandit_cwe", "category", "cwe"),
    [
        # bandit files eval and exec under OS command injection (CWE-78).
        ("B307", 78, "Remote Code Execution", 95),
        ("B102", 78, "Remote Code Execution", 95),
        # ...MD5 under broken ciphers, XML parsers and yaml.load under input
        # validation, Jinja2 autoescape=False and Flask debug under code
        # injection, binding to 0.0.0.0 under no category at all.
        ("B324", 327, "Weak Hash", 328),
        ("B303", 327, "Weak Hash", 328),
        ("B320", 20, "XML External Entities", 611),
        ("B410", 20, "XML External Entities", 611),
        ("B506", 20, "Deserialization", 502),
        ("B701", 94, "XSS", 79),
        ("B201", 94, "Security Misconfiguration", 489),
        ("B104", 605, "Security Misconfiguration", 605),
        # Tests whose CWE is right keep the category of their CWE.
        ("B602", 78, "Command Injection", 78),
        ("B301", 502, "Deserialization", 502),
    ],
)
def test_test_ids_map_to_the_right_category(
    tmp_path: Path, test_id: str, bandit_cwe: int, category: str, cwe: int
) -> None:
    data = {"results": [_item(test_id, bandit_cwe)], "errors": []}
    [finding] = parse_output(data, tmp_path).findings
    assert (finding.category, finding.cwe) == (category, [cwe])
    assert finding.title.startswith(f"{category}: ")


def test_every_override_names_a_reference_category() -> None:
    for test_id, (name, cwe) in CATEGORIES.items():
        category = taxonomy.get(name)
        assert category is not None, test_id
        assert category.name == name, test_id
        assert cwe > 0
