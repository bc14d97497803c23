"""``security-severity`` that is not a CVSS score is ignored, as GitHub does."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sordino.importers.sarif import parse_sarif
from sordino.ingest.bundle import FindingRecord

NOT_SCORES = ["NaN", "nan", "inf", "-Infinity", "-1", "10.1", "1e999", "high", ""]


def _finding(
    result_props: dict[str, Any] | None = None,
    rule_props: dict[str, Any] | None = None,
    level: str | None = None,
) -> FindingRecord:
    rule: dict[str, Any] = {"id": "r", "defaultConfiguration": {"level": "note"}}
    if rule_props is not None:
        rule["properties"] = rule_props
    result: dict[str, Any] = {"ruleId": "r", "message": {"text": "m"}}
    if result_props is not None:
        result["properties"] = result_props
    if level is not None:
        result["level"] = level
    run = {"tool": {"driver": {"name": "t", "rules": [rule]}}, "results": [result]}
    log = json.dumps({"version": "2.1.0", "runs": [run]}).encode()
    (finding,) = parse_sarif(io.BytesIO(log), app="a").findings
    return finding


@pytest.mark.parametrize("value", NOT_SCORES)
def test_on_a_result_the_level_decides_instead(value: str) -> None:
    finding = _finding({"security-severity": value}, level="error")
    assert (finding.severity, finding.cvss_score) == ("high", None)


@pytest.mark.parametrize("value", NOT_SCORES)
def test_on_a_rule_its_default_level_decides_instead(value: str) -> None:
    finding = _finding(rule_props={"security-severity": value})
    assert (finding.severity, finding.cvss_score) == ("low", None)


def test_an_invalid_result_score_falls_back_to_the_rules_score() -> None:
    finding = _finding({"security-severity": "NaN"}, {"security-severity": "9.1"})
    assert (finding.severity, finding.cvss_score) == ("critical", 9.1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", ("low", 0.0)), ("10", ("critical", 10.0)), (7.5, ("high", 7.5))],
)
def test_scores_from_0_to_10_count(value: Any, expected: tuple[str, float]) -> None:
    finding = _finding({"security-severity": value}, level="note")
    assert (finding.severity, finding.cvss_score) == expected
