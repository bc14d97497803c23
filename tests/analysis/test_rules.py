"""Run semgrep with sordino's rule pack on annotated fixtures and the sample app.

Fixture files mark expectations in comments: ``ruleid: R`` says the next code
line must be reported by rule R, ``ok: R`` says it must not be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis import rules

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
SAMPLE_APP = REPO / "examples" / "vulnerable-app"
SEMGREP = shutil.which("semgrep") or shutil.which(
    "semgrep", path=str(Path(sys.executable).parent)
)
ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok):\s*(.+)$")

pytestmark = pytest.mark.skipif(SEMGREP is None, reason="semgrep binary not installed")

Key = tuple[str, int, str]


def run_semgrep(target: str, cwd: Path) -> dict[str, Any]:
    """Scan ``target`` (relative to ``cwd``) with the bundled pack; parsed JSON."""
    assert SEMGREP is not None
    argv = [
        SEMGREP,
        "scan",
        "--config",
        str(rules.RULES_DIR),
        "--json",
        "--metrics=off",
        "--disable-version-check",
        "--oss-only",
        "--dataflow-traces",
        "--quiet",
        target,
    ]
    env = {**os.environ, "SEMGREP_SEND_METRICS": "off"}
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def finding_keys(output: dict[str, Any]) -> set[Key]:
    """(file name, line, canonical rule id) for every result."""
    return {
        (
            Path(r["path"]).name,
            r["start"]["line"],
            rules.canonical_rule_id(r["check_id"]),
        )
        for r in output["results"]
    }


def read_annotations() -> tuple[set[Key], set[Key]]:
    """The expected and forbidden findings written in the fixture comments."""
    expected: set[Key] = set()
    forbidden: set[Key] = set()
    for path in sorted(FIXTURES.iterdir()):
        if path.name.startswith("."):
            continue
        pending: list[tuple[str, str]] = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = ANNOTATION.search(line)
            if match:
                kind, ids = match.groups()
                pending += [(kind, rule_id.strip()) for rule_id in ids.split(",")]
                continue
            for kind, rule_id in pending:
                target = expected if kind == "ruleid" else forbidden
                target.add((path.name, number, rule_id))
            pending = []
    return expected, forbidden


def _key_id(key: Key) -> str:
    return f"{key[0]}:{key[1]}:{key[2]}"


EXPECTED, FORBIDDEN = read_annotations()


@pytest.fixture(scope="module")
def fixture_scan() -> dict[str, Any]:
    return run_semgrep(".", FIXTURES)


@pytest.fixture(scope="module")
def sample_scan() -> dict[str, Any]:
    return run_semgrep(str(SAMPLE_APP.relative_to(REPO)), REPO)


def _line_of(relative: str, text: str) -> tuple[str, int]:
    """The file name and 1-based line of the first line containing ``text``."""
    path = SAMPLE_APP / relative
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return path.name, number
    raise AssertionError(f"{text!r} not in {relative}")


def test_scans_report_no_rule_or_parse_errors(
    fixture_scan: dict[str, Any], sample_scan: dict[str, Any]
) -> None:
    assert fixture_scan["errors"] == []
    assert sample_scan["errors"] == []
    scanned = {Path(p).name for p in fixture_scan["paths"]["scanned"]}
    fixture_files = {p.name for p in FIXTURES.iterdir() if not p.name.startswith(".")}
    assert fixture_files <= scanned


def test_annotations_are_plentiful() -> None:
    assert len(EXPECTED) >= 45
    assert len(FORBIDDEN) >= 45
    assert {rule_id for _, _, rule_id in EXPECTED} <= set(rules.load_rule_metadata())


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=_key_id)
def test_expected_finding_is_reported(fixture_scan: dict[str, Any], key: Key) -> None:
    assert key in finding_keys(fixture_scan)


@pytest.mark.parametrize("key", sorted(FORBIDDEN), ids=_key_id)
def test_safe_code_is_not_reported(fixture_scan: dict[str, Any], key: Key) -> None:
    assert key not in finding_keys(fixture_scan)


def test_fixtures_have_no_unannotated_findings(fixture_scan: dict[str, Any]) -> None:
    assert finding_keys(fixture_scan) - EXPECTED == set()


def test_every_rule_has_a_true_positive(
    fixture_scan: dict[str, Any], sample_scan: dict[str, Any]
) -> None:
    fired = {key[2] for key in finding_keys(fixture_scan) | finding_keys(sample_scan)}
    assert set(rules.load_rule_metadata()) - fired == set()


def test_sample_app_covers_every_category(sample_scan: dict[str, Any]) -> None:
    metadata = rules.load_rule_metadata()
    found = {metadata[key[2]].category for key in finding_keys(sample_scan)}
    assert {meta.category for meta in metadata.values()} - found == set()


def test_sample_app_findings_per_language(sample_scan: dict[str, Any]) -> None:
    by_dir: dict[str, set[str]] = {}
    for result in sample_scan["results"]:
        folder = Path(result["path"]).relative_to(SAMPLE_APP.relative_to(REPO)).parts[0]
        by_dir.setdefault(folder, set()).add(
            rules.canonical_rule_id(result["check_id"])
        )
    for language in ("python", "javascript", "java", "go"):
        taint = {f"sordino.{language}.{name}" for name in ("sqli", "xss", "ssrf")}
        assert taint <= by_dir[language]
    assert by_dir["terraform"] == {"sordino.terraform.open-ingress"}
    assert "sordino.secrets.aws-access-key-id" in by_dir["python"]


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("python/app.py", "WHERE category = ?"),
        ("javascript/server.js", "WHERE customer = ?"),
        ("java/src/main/java/com/example/shop/LegacyServlet.java", "customer = ?"),
        ("java/src/main/java/com/example/shop/ReportController.java", "year = ?"),
        ("go/main.go", "WHERE customer = $1"),
        ("go/main.go", "WHERE id = %d"),
    ],
)
def test_sample_app_safe_twins_are_not_reported(
    sample_scan: dict[str, Any], relative: str, text: str
) -> None:
    name, line = _line_of(relative, text)
    flagged = {(k[0], k[1]) for k in finding_keys(sample_scan)}
    assert (name, line) not in flagged
    assert (name, line + 1) not in flagged


def test_taint_findings_carry_multi_step_traces(sample_scan: dict[str, Any]) -> None:
    metadata = rules.load_rule_metadata()
    taint_results = [
        r
        for r in sample_scan["results"]
        if metadata[rules.canonical_rule_id(r["check_id"])].taint
    ]
    assert len(taint_results) >= 40
    for result in taint_results:
        trace = result["extra"]["dataflow_trace"]
        source_location = trace["taint_source"][1][0]
        assert source_location["start"]["line"] < result["start"]["line"]
        assert trace["intermediate_vars"], result["check_id"]


def test_sqli_trace_names_the_intermediate_variable(
    sample_scan: dict[str, Any],
) -> None:
    result = next(
        r
        for r in sample_scan["results"]
        if rules.canonical_rule_id(r["check_id"]) == "sordino.python.sqli"
    )
    trace = result["extra"]["dataflow_trace"]
    names = [step["content"] for step in trace["intermediate_vars"]]
    assert names == ["category", "query"]
    assert trace["taint_source"][1][1] == "request.args"


def test_results_carry_rule_metadata(sample_scan: dict[str, Any]) -> None:
    for result in sample_scan["results"]:
        meta = rules.lookup(result["check_id"])
        assert meta is not None
        assert result["extra"]["metadata"]["category"] == meta.category


def test_autofix_text_is_offered(fixture_scan: dict[str, Any]) -> None:
    fixes = {
        (Path(r["path"]).name, rules.canonical_rule_id(r["check_id"])): r["extra"][
            "fix"
        ]
        for r in fixture_scan["results"]
        if "fix" in r["extra"]
    }
    assert "verify=True" in fixes[("handlers.py", "sordino.python.tls-verify-disabled")]
    go_fix = fixes[("handlers.go", "sordino.go.tls-verify-disabled")]
    assert "InsecureSkipVerify: false" in go_fix
    assert "sha256" in fixes[("handlers.js", "sordino.javascript.weak-hash")]
