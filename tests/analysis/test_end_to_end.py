"""The runner with every real engine on a small tree (semgrep runs once here)."""

from __future__ import annotations

import pytest

from sordino.analysis.engines.checkov import CheckovEngine
from sordino.analysis.runner import analyze
from sordino.ingest.bundle import ScanBundle
from tests.analysis.tree import make_tree

RAW_SECRETS = ("AKIAIOSFODNN7EXAMPLE", "Xk9#mQ2vLp8zRt4w")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> ScanBundle:
    root = make_tree(tmp_path_factory.mktemp("e2e"), "many")
    return analyze(
        root, app="shop", version="abc123", branch="main", tags={"env": "ci"}
    )


def test_engines_ran(bundle: ScanBundle) -> None:
    engines = bundle.stats["engines"]
    for name in ("semgrep", "bandit", "secrets", "lockfiles"):
        assert engines[name]["status"] == "ok", name
        assert engines[name]["duration_s"] > 0
    if not CheckovEngine().available():
        [failure] = bundle.failures
        assert (failure.engine, failure.reason) == ("checkov", "missing")


def test_bundle_header(bundle: ScanBundle) -> None:
    assert (bundle.app, bundle.version, bundle.branch) == ("shop", "abc123", "main")
    assert bundle.tags == {"env": "ci"}
    assert bundle.language == "python"
    assert bundle.languages == ["python", "javascript", "terraform"]
    assert bundle.stats["files"] == 4
    assert bundle.stats["number_of_expressions"] == 16 + 8 + 4


def test_findings_from_each_engine(bundle: ScanBundle) -> None:
    rules = {(f.engine, f.rule_id) for f in bundle.findings}
    assert ("semgrep", "sordino.python.sqli") in rules
    assert ("semgrep", "sordino.javascript.command-injection") in rules
    assert ("bandit", "bandit.B404") in rules
    assert ("secrets", "secrets.aws-access-key") in rules
    assert ("lockfiles", "package") in rules
    assert sorted(p.name for p in bundle.packages) == ["flask", "requests"]
    # node_modules and venv hold third-party code: nothing from them is reported.
    assert {f.file for f in bundle.findings} == {
        "app/views.py",
        "web/server.js",
        "requirements.txt",
    }


def test_secrets_are_deduplicated_across_engines(bundle: ScanBundle) -> None:
    secrets = [f for f in bundle.findings if f.type == "secret"]
    assert sorted((f.line, f.engine) for f in secrets) == [
        (6, "secrets"),
        (7, "secrets"),
    ]


def test_bandit_repeats_fold_into_the_semgrep_taint_finding(
    bundle: ScanBundle,
) -> None:
    """bandit's B602 (shell=True) and B608 (SQL built from strings) flag the
    lines of semgrep's command and SQL injection flows: one finding each."""
    by_rule = {f.rule_id: f for f in bundle.findings}
    assert "bandit.B602" not in by_rule
    assert "bandit.B608" not in by_rule
    command = by_rule["sordino.python.command-injection"]
    assert command.details["detected_by"] == ["bandit", "semgrep"]
    assert command.details["merged_findings"] == [
        {"engine": "bandit", "rule_id": "bandit.B602", "line": 21}
    ]
    sqli = by_rule["sordino.python.sqli"]
    assert [m["rule_id"] for m in sqli.details["merged_findings"]] == ["bandit.B608"]
    # The password bandit quotes (B105) is the secrets engine's finding.
    [password] = [f for f in bundle.findings if f.line == 7]
    assert password.engine == "secrets"
    assert password.details["detected_by"] == ["bandit", "secrets"]


def test_no_secret_appears_unmasked(bundle: ScanBundle) -> None:
    serialized = bundle.model_dump_json()
    for raw in RAW_SECRETS:
        assert raw not in serialized
    assert "AKIA" + "*" * 16 in serialized


def test_fingerprints_unique_and_round_trip(bundle: ScanBundle) -> None:
    fingerprints = [f.fingerprint for f in bundle.findings]
    assert all(fingerprints)
    assert len(set(fingerprints)) == len(fingerprints)
    again = ScanBundle.model_validate_json(bundle.model_dump_json())
    assert again == bundle
