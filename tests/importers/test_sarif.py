"""The SARIF importer against real tool output and crafted bad input."""

from __future__ import annotations

import io
import json

import pytest

from sordino.importers import load
from sordino.importers.errors import InvalidReportError
from sordino.importers.sarif import parse_sarif, parse_sarif_path
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA / "sarif"

# Findings expected from each file. Each count is the number of entries in the
# file's `runs[*].results` (counted with jq), minus results whose `kind` is
# `pass` (SARIF 3.27.9: the rule was checked and held, so not a problem), minus
# exact repeats (same rule, same file, same line, same tool fingerprint).
# Second number: results with an accepted suppression (SARIF 3.35).
EXPECTED = {
    "codeql/codeQL-output.sarif": (72, 0),
    "codeql/with-invalid-uri.sarif": (1, 0),
    "eslint/eslint-results.sarif": (12, 12),  # every result is inSource-suppressed
    "misc/blackduck_nested_fingerprints.sarif": (5, 0),
    "misc/cxf-3.4.6.sarif": (22, 0),
    "misc/flawfinder.sarif": (53, 0),  # 54 results, results/52 has kind "pass"
    # 8 results: 4 secrets each reported twice, from commits 6d127980 and 8bbcdfd7,
    # at the same file and line.
    "misc/gitleaks_7.5.0.sarif": (4, 0),
    "misc/no_runs.sarif": (0, 0),
    "misc/suppression_test.sarif": (5, 3),  # TST0004 absent, TST0005 []
    "sarif-sdk/SuppressionTestCurrent.sarif": (4, 3),  # TST0004 unsuppressed
    "sarif-sdk/ThreadFlowLocations.sarif": (1, 0),
    "sarif-sdk/elfie-arriba-utf8-bom.sarif": (5, 0),
    # 27 results; jq `[.ruleId, uri, startLine] | unique` gives 12 distinct.
    "shiftleft-scan/bash-report.sarif": (12, 0),
    "spec-examples/appendix_k.sarif": (1, 1),
    "spec-examples/appendix_k1.sarif": (0, 0),
    "spec-examples/appendix_k1_double.sarif": (0, 0),
    "spec-examples/appendix_k2.sarif": (1, 0),
    "spec-examples/appendix_k3.sarif": (1, 0),
    "spotbugs/spotbugs.sarif": (56, 0),
    "trivy/alpine-310.sarif": (4, 0),
}
REFUSED = {"codeql/invalid-sarif.sarif": "/runs/0/results"}
# Schema-invalid per MANIFEST.md: the streaming import tolerates the drift,
# strict mode refuses at the first schema error.
SCHEMA_INVALID = {
    "spec-examples/appendix_k.sarif": "/runs/0",
    "spec-examples/appendix_k3.sarif": "/runs/0",
    "misc/flawfinder.sarif": "/runs/0/results/52",
    "misc/blackduck_nested_fingerprints.sarif": (
        "/runs/0/results/0/fingerprints/csvRowSha256"
    ),
}
ALL_FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*.sarif"))


def _by_rule(name: str) -> dict[str, list]:
    bundle = parse_sarif_path(DATA / name, app="demo")
    found: dict[str, list] = {}
    for finding in bundle.findings:
        found.setdefault(finding.rule_id, []).append(finding)
    return found


def test_every_file_is_listed() -> None:
    assert set(ALL_FILES) == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", ALL_FILES)
def test_import_counts(name: str) -> None:
    if name in REFUSED:
        with pytest.raises(InvalidReportError) as caught:
            parse_sarif_path(DATA / name, app="demo")
        assert caught.value.location == REFUSED[name]
        return
    bundle = parse_sarif_path(DATA / name, app="demo")
    total, suppressed = EXPECTED[name]
    assert len(bundle.findings) == total
    assert sum(f.suppressed for f in bundle.findings) == suppressed
    assert all(f.type == "extscan" for f in bundle.findings)


@pytest.mark.parametrize(("name", "where"), sorted(SCHEMA_INVALID.items()))
def test_strict_mode_refuses_schema_invalid(name: str, where: str) -> None:
    with pytest.raises(InvalidReportError) as caught:
        load(DATA / name, app="demo", strict=True)
    assert caught.value.location == where
    assert where in str(caught.value)


def test_strict_mode_accepts_valid_file() -> None:
    assert (
        len(load(DATA / "trivy/alpine-310.sarif", app="a", strict=True).findings) == 4
    )


def test_codeql_severity_cwe_and_flows() -> None:
    findings = _by_rule("codeql/codeQL-output.sarif")
    empty_except = findings["codeql/py/empty-except"][0]
    # No `level`: the rule's defaultConfiguration.level is "note" -> low;
    # tag external/cwe/cwe-390 -> taxonomy's "Error Handling".
    assert empty_except.severity == "low"
    assert empty_except.cwe == [390]
    assert empty_except.category == "Error Handling"
    assert empty_except.tags == {"tool": "CodeQL", "cwe_category": "390"}
    assert (empty_except.file, empty_except.line) == ("good/db_init.py", 39)
    assert empty_except.title == "Empty except"
    path_injection = findings["codeql/py/path-injection"][0]
    # First threadFlow of the first codeFlow has 5 steps, source in mod_api.py.
    steps = path_injection.dataflow
    assert len(steps) == 5
    assert (steps[0].file_name, steps[0].line_number) == ("bad/mod_api.py", 32)
    assert (steps[-1].file_name, steps[-1].line_number) == ("bad/libapi.py", 22)
    assert path_injection.category == "Directory Traversal"
    assert "[" not in path_injection.description  # embedded links are flattened
    assert path_injection.fingerprint is not None
    assert path_injection.fingerprint.startswith("codeql/py/path-injection/")


def test_appendix_k_messages_bases_fixes_suppression() -> None:
    (finding,) = parse_sarif_path(
        DATA / "spec-examples/appendix_k.sarif", app="a"
    ).findings
    # message.id "default" + arguments ["ptr", "0"] into the rule's messageStrings.
    assert finding.description.startswith('Variable "ptr" was used without being')
    assert "{0}" not in finding.description
    # SRCROOT = " src/" relative to PROJECTROOT (an absolute file:// URI).
    assert finding.file == "src/collections/list.h"
    assert finding.line == 15
    assert finding.severity == "high"  # level error
    assert finding.suppressed  # draft `state: accepted`
    assert finding.fixes[0]["description"] == "Initialize the variable to null"
    assert finding.fixes[0]["changes"][0]["file"] == "src/collections/list.h"
    assert len(finding.dataflow) == 3


def test_shared_thread_flow_locations_are_resolved() -> None:
    (finding,) = parse_sarif_path(
        DATA / "sarif-sdk/ThreadFlowLocations.sarif", app="a"
    ).findings
    assert [s.line_number for s in finding.dataflow] == [15, 18, 25]
    assert finding.dataflow[0].file_name == "collections/list.h"
    # The inline message wins over the shared one.
    assert finding.dataflow[0].code == "Variable 'ptr' declared."


def test_security_severity_and_taxa() -> None:
    grype = parse_sarif_path(DATA / "misc/cxf-3.4.6.sarif", app="a").findings
    assert all(f.cvss_score is not None for f in grype)
    for finding in grype:
        score = finding.cvss_score or 0.0
        expected = (
            "critical"
            if score >= 9
            else "high"
            if score >= 7
            else "medium"
            if score >= 4
            else "low"
        )
        assert finding.severity == expected
    flaw = _by_rule("misc/flawfinder.sarif")["flawfinder/FF1048"][0]
    # rule relationship to toolComponent CWE, id "CWE-327"; defaultConfiguration error.
    assert flaw.cwe == [327]
    assert flaw.category == "Weak Cipher"


def test_uri_handling() -> None:
    bash = parse_sarif_path(DATA / "shiftleft-scan/bash-report.sarif", app="a")
    # invocation workingDirectory file:///home/damien/dd is stripped.
    assert bash.findings[0].file == "docker/setEnv.sh"
    eslint = parse_sarif_path(
        DATA / "eslint/eslint-results.sarif",
        app="a",
        root="/Users/davidbradshaw/dev/iframe-resizer",
    )
    assert eslint.findings[0].file == "src/iframeResizer.contentWindow.js"
    odd = parse_sarif_path(DATA / "codeql/with-invalid-uri.sarif", app="a")
    assert odd.findings[0].file == "not a valid URI"


def test_gitleaks_rule_from_message_and_secret_redacted() -> None:
    findings = parse_sarif_path(DATA / "misc/gitleaks_7.5.0.sarif", app="a").findings
    assert findings[0].rule_id == "gitleaks/AWS-Access-Key"
    assert all("AKIAIOSFODNN7EXAMPLE" not in f.snippet for f in findings)
    assert "AKIA********" in findings[0].snippet


def test_multiple_runs_keep_their_tool() -> None:
    doc = {
        "version": "2.1.0",
        "runs": [_run("alpha", "A1"), _run("beta", "B1")],
    }
    bundle = parse_sarif(io.BytesIO(json.dumps(doc).encode()), app="a")
    assert [(f.engine, f.rule_id) for f in bundle.findings] == [
        ("alpha", "alpha/A1"),
        ("beta", "beta/B1"),
    ]


def test_results_before_tool_are_buffered() -> None:
    run = _run("late", "R9")
    reordered = {"results": run["results"], "tool": run["tool"]}
    doc = {"runs": [reordered], "version": "2.1.0"}
    bundle = parse_sarif(io.BytesIO(json.dumps(doc).encode()), app="a")
    assert bundle.findings[0].rule_id == "late/R9"


def _run(tool: str, rule: str) -> dict[str, object]:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": "a.py"},
            "region": {"startLine": 3},
        }
    }
    result = {"ruleId": rule, "message": {"text": "m"}, "locations": [location]}
    return {"tool": {"driver": {"name": tool}}, "results": [result]}
