"""One finding per issue when semgrep (or the secrets engine) and bandit agree."""

from __future__ import annotations

import random

from sordino.analysis.duplicates import merge_duplicates
from sordino.analysis.runner import assign_fingerprints
from sordino.ingest.bundle import DataflowStep, FindingRecord


def _semgrep_sqli() -> FindingRecord:
    steps = [
        DataflowStep(file_name="app.py", line_number=n, code=c)
        for n, c in ((31, "request.args"), (32, "query"), (34, "query"))
    ]
    return FindingRecord(
        rule_id="sordino.python.sqli",
        title="SQL Injection",
        category="SQL Injection",
        cwe=[89],
        file="app.py",
        line=34,
        end_line=34,
        snippet="cursor.execute(query)",
        dataflow=steps,
        engine="semgrep",
    )


def _finding(
    engine: str, rule: str, line: int, category: str, cwe: int, file: str = "app.py"
) -> FindingRecord:
    return FindingRecord(
        rule_id=rule,
        title=category,
        category=category,
        cwe=[cwe],
        file=file,
        line=line,
        end_line=line,
        snippet=f"line {line}",
        engine=engine,
    )


def test_bandit_on_a_line_of_the_taint_flow_folds_into_it() -> None:
    """B608 flags line 32, where the query is built; semgrep reports line 34."""
    bandit = _finding("bandit", "bandit.B608", 32, "SQL Injection", 89)
    [kept] = merge_duplicates([bandit, _semgrep_sqli()])
    assert kept.rule_id == "sordino.python.sqli"
    assert kept.details["detected_by"] == ["bandit", "semgrep"]
    assert kept.details["merged_findings"] == [
        {"engine": "bandit", "rule_id": "bandit.B608", "line": 32}
    ]


def test_cwes_of_one_category_agree() -> None:
    """eval: bandit says CWE-95, the rule CWE-94; both are Remote Code Execution."""
    findings = [
        _finding(
            "semgrep", "sordino.python.code-injection", 57, "Remote Code Execution", 94
        ),
        _finding("bandit", "bandit.B307", 57, "Remote Code Execution", 95),
    ]
    [kept] = merge_duplicates(findings)
    assert kept.engine == "semgrep"


def test_a_different_issue_on_the_same_line_stays() -> None:
    """``app.run(host="0.0.0.0", debug=True)``: debug mode (CWE-489) and binding
    to every interface (CWE-605) share a category, not an issue."""
    debug = _finding(
        "semgrep", "sordino.python.debug-enabled", 156, "Security Misconfiguration", 489
    )
    bind = _finding("bandit", "bandit.B104", 156, "Security Misconfiguration", 605)
    flask = _finding("bandit", "bandit.B201", 156, "Security Misconfiguration", 489)
    kept = merge_duplicates([debug, bind, flask])
    assert [f.rule_id for f in kept] == ["sordino.python.debug-enabled", "bandit.B104"]


def test_other_files_lines_and_engines_stay() -> None:
    findings = [
        _semgrep_sqli(),
        _finding("bandit", "bandit.B608", 32, "SQL Injection", 89, file="other.py"),
        _finding("bandit", "bandit.B608", 40, "SQL Injection", 89),
        _finding("bandit", "bandit.B602", 32, "Command Injection", 78),
        # Only bandit repeats other engines: two semgrep rules both stay.
        _finding("semgrep", "sordino.python.sqli-2", 34, "SQL Injection", 89),
    ]
    assert len(merge_duplicates(findings)) == 5


def test_the_secrets_engine_keeps_the_password_bandit_quotes() -> None:
    secret = _finding(
        "secrets", "secrets.secret-keyword", 20, "Hardcoded Credentials", 798
    )
    bandit = _finding("bandit", "bandit.B105", 20, "Hardcoded Credentials", 259)
    [kept] = merge_duplicates([bandit, secret])
    assert kept.details["detected_by"] == ["bandit", "secrets"]


def test_the_choice_does_not_depend_on_engine_order() -> None:
    """The taint finding wins over a plain one, whatever order engines finish in,
    so fingerprints and details are the same on every rescan."""

    def findings() -> list[FindingRecord]:
        return [
            _finding("bandit", "bandit.B608", 32, "SQL Injection", 89),
            _finding("bandit", "bandit.B611", 34, "SQL Injection", 89),
            _finding("semgrep", "sordino.python.sqli-plain", 32, "SQL Injection", 89),
            _semgrep_sqli(),
        ]

    expected = assign_fingerprints(merge_duplicates(findings()))
    for seed in range(5):
        shuffled = findings()
        random.Random(seed).shuffle(shuffled)
        again = assign_fingerprints(merge_duplicates(shuffled))
        assert [(f.fingerprint, f.details) for f in again] == [
            (f.fingerprint, f.details) for f in expected
        ]
    [taint] = [f for f in expected if f.dataflow]
    assert [m["rule_id"] for m in taint.details["merged_findings"]] == [
        "bandit.B608",
        "bandit.B611",
    ]
