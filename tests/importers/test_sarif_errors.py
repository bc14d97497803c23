"""Malformed SARIF input is refused with a location, and big logs stream."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sordino.importers import detect_format, load
from sordino.importers.errors import InvalidReportError
from sordino.importers.sarif import parse_sarif


def _parse(data: bytes) -> InvalidReportError:
    with pytest.raises(InvalidReportError) as caught:
        parse_sarif(io.BytesIO(data), app="a")
    return caught.value


def test_truncated_json_names_line_and_column() -> None:
    error = _parse(b'{"version": "2.1.0",\n "runs": [{"tool": ')
    assert error.location.startswith("line 2, column")
    assert "not valid JSON" in error.message


def test_wrong_version() -> None:
    error = _parse(b'{"version": "2.0.0", "runs": []}')
    assert error.location == "/version"
    assert "'2.0.0'" in error.message


def test_missing_runs() -> None:
    assert _parse(b'{"version": "2.1.0"}').location == "/runs"


def test_results_not_an_array() -> None:
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "t"}}, "results": {}}],
    }
    error = _parse(json.dumps(doc).encode())
    assert error.location == "/runs/0/results"
    assert "found object" in error.message


def test_wrong_type_deep_inside_a_result() -> None:
    result = {
        "ruleId": "r",
        "message": {"text": "m"},
        "locations": [{"physicalLocation": {"region": {"startLine": "7"}}}],
    }
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "t"}}, "results": [result]}],
    }
    error = _parse(json.dumps(doc).encode())
    assert (
        error.location
        == "/runs/0/results/0/locations/0/physicalLocation/region/startLine"
    )


def test_garbage_file_of_two_megabytes() -> None:
    garbage = bytes(range(1, 256)) * (2 * 1024 * 1024 // 255)
    with pytest.raises(InvalidReportError):
        detect_format(garbage)
    error = _parse(b"{" + garbage)
    assert "byte" in error.location


def test_trailing_data_is_refused() -> None:
    assert "not valid JSON" in _parse(b'{"version": "2.1.0", "runs": []} {}').message


def test_large_log_streams_with_bounded_memory(tmp_path: Any) -> None:
    path = tmp_path / "big.sarif"
    count = 50_000
    with path.open("w") as out:
        out.write('{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "big",')
        out.write(' "rules": [{"id": "R1", "shortDescription": {"text": "x"}}]}},')
        out.write(' "results": [')
        for i in range(count):
            out.write("," if i else "")
            out.write(json.dumps(_big_result(i)))
        out.write("]}]}")
    size = os.path.getsize(path)
    tracemalloc.start()
    bundle = load(path, app="a")
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(bundle.findings) == count
    # Each result carries ~1 KB of padding in properties that is never kept.
    # What is still allocated at the end is the bundle itself (the findings);
    # the transient part of the peak is what streaming must keep small.
    assert size > 50 * 1024 * 1024
    assert peak - kept < size / 10


def _big_result(i: int) -> dict[str, Any]:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": f"src/f{i % 100}.py"},
            "region": {"startLine": i + 1, "snippet": {"text": f"call({i})"}},
        }
    }
    return {
        "ruleId": "R1",
        "message": {"text": f"finding {i}"},
        "locations": [location],
        "properties": {"padding": "p" * 1000},
    }


_LEVEL_OF = {"high": "error", "medium": "warning", "low": "note"}
_findings = st.lists(
    st.tuples(
        st.from_regex(r"[A-Za-z]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?", fullmatch=True),
        st.from_regex(r"[a-z]{1,8}(/[a-z0-9_]{1,8}){0,3}\.py", fullmatch=True),
        st.integers(min_value=1, max_value=100_000),
        st.sampled_from(["high", "medium", "low"]),
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(_findings)
def test_round_trip_of_generated_findings(
    items: list[tuple[str, str, int, str]],
) -> None:
    results = [
        {
            "ruleId": rule,
            "level": _LEVEL_OF[severity],
            "message": {"text": "generated"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"startLine": line},
                    }
                }
            ],
        }
        for rule, path, line, severity in items
    ]
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "gen"}}, "results": results}],
    }
    bundle = parse_sarif(io.BytesIO(json.dumps(doc).encode()), app="a")
    parsed = [(f.rule_id, f.file, f.line, f.severity) for f in bundle.findings]
    assert parsed == [(f"gen/{r}", p, n, s) for r, p, n, s in items]


def _log_with_region(region: dict[str, Any], in_flow: bool = False) -> bytes:
    location = {"physicalLocation": {"region": region}}
    result: dict[str, Any] = {"ruleId": "r", "message": {"text": "m"}}
    if in_flow:
        flow = {"threadFlows": [{"locations": [{"location": location}]}]}
        result["codeFlows"] = [flow]
    else:
        result["locations"] = [location]
    run = {"tool": {"driver": {"name": "t"}}, "results": [result]}
    return json.dumps({"version": "2.1.0", "runs": [run]}).encode()


@pytest.mark.parametrize(
    "line", [1e308, 1e20, 2**31, 2**63 - 1, -1, 0, -(2**40)], ids=str
)
@pytest.mark.parametrize("member", ["startLine", "endLine"])
def test_line_outside_what_sarif_and_the_database_allow(
    line: float, member: str
) -> None:
    region = {"startLine": 3, member: line}
    error = _parse(_log_with_region(region))
    assert error.location == (
        f"/runs/0/results/0/locations/0/physicalLocation/region/{member}"
    )
    assert error.message == (
        f"expected a line number from 1 to 2147483647, found {line!r}"
    )


def test_line_of_a_flow_step_is_checked_too() -> None:
    error = _parse(_log_with_region({"startLine": 1e308}, in_flow=True))
    assert error.location == (
        "/runs/0/results/0/codeFlows/0/threadFlows/0/locations/0/location"
        "/physicalLocation/region/startLine"
    )


def test_fractional_line_is_not_an_integer() -> None:
    error = _parse(_log_with_region({"startLine": 2.5}))
    assert error.message == "expected an integer, found number"


@pytest.mark.parametrize("line", [1, 2.0, 2**31 - 1])
def test_lines_within_range_are_kept(line: float) -> None:
    (finding,) = parse_sarif(
        io.BytesIO(_log_with_region({"startLine": line})), app="a"
    ).findings
    assert finding.line == int(line)
