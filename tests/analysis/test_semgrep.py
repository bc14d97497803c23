"""Tests for the semgrep adapter, on semgrep output captured from the test trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis.engines.base import EngineError
from sordino.analysis.engines.semgrep import parse_output, short_message
from sordino.analysis.engines.trace import (
    SourceLines,
    call_name,
    dataflow,
    enclosing_function,
)
from tests.analysis.tree import SAMPLES, make_tree


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / f"semgrep_{name}.json").read_text())


def test_empty(tmp_path: Path) -> None:
    result = parse_output(_sample("empty"), make_tree(tmp_path, "empty"))
    assert result.findings == []
    assert result.warnings == []


def test_one(tmp_path: Path) -> None:
    result = parse_output(_sample("one"), make_tree(tmp_path, "one"))
    by_rule = {f.rule_id: f for f in result.findings}
    assert sorted(by_rule) == [
        "sordino.python.command-injection",
        "sordino.secrets.aws-access-key-id",
    ]
    vuln = by_rule["sordino.python.command-injection"]
    assert (vuln.type, vuln.file, vuln.line) == ("vuln", "tool.py", 8)
    assert vuln.category == "Command Injection"
    assert vuln.cwe == [78]
    assert vuln.severity == "critical"
    assert vuln.title == "Command Injection: HTTP input passed to a shell"
    assert vuln.snippet == '    return os.system("ls " + path)'
    assert vuln.sink_method == "os.system"
    assert vuln.dataflow[-1].line_number == 8
    assert vuln.dataflow[0].line_number == 7
    assert {step.short_method_name for step in vuln.dataflow} == {"list_dir"}
    assert vuln.dataflow[0].method_name == "tool.list_dir"
    assert vuln.remediation


def test_secret_rule_becomes_masked_secret(tmp_path: Path) -> None:
    result = parse_output(_sample("one"), make_tree(tmp_path, "one"))
    [secret] = [f for f in result.findings if f.type == "secret"]
    assert secret.file == "settings.ini"
    assert secret.details["secret"] == "AKIA" + "*" * 16
    assert secret.snippet == "key = AKIA" + "*" * 16
    assert "AKIAIOSFODNN7EXAMPLE" not in secret.model_dump_json()
    assert result.redactions == ["AKIAIOSFODNN7EXAMPLE"]


def test_many(tmp_path: Path) -> None:
    result = parse_output(_sample("many"), make_tree(tmp_path, "many"))
    summary = sorted((f.file, f.line, f.rule_id) for f in result.findings)
    assert summary == [
        ("app/views.py", 6, "sordino.python.hardcoded-credentials"),
        ("app/views.py", 6, "sordino.secrets.aws-access-key-id"),
        ("app/views.py", 7, "sordino.python.hardcoded-credentials"),
        ("app/views.py", 14, "sordino.python.sqli"),
        ("app/views.py", 21, "sordino.python.command-injection"),
        ("web/server.js", 9, "sordino.javascript.command-injection"),
    ]
    serialized = json.dumps([f.model_dump(mode="json") for f in result.findings])
    assert "Xk9#mQ2vLp8zRt4w" not in serialized
    assert "AKIAIOSFODNN7EXAMPLE" not in serialized


def test_sqli_dataflow(tmp_path: Path) -> None:
    result = parse_output(_sample("many"), make_tree(tmp_path, "many"))
    [sqli] = [f for f in result.findings if f.rule_id == "sordino.python.sqli"]
    steps = [(s.line_number, s.code, s.short_method_name) for s in sqli.dataflow]
    # request.args (source) -> query -> cur.execute(query) (sink, last); the
    # variable ``name`` is assigned on the source's line, which is not repeated.
    assert steps == [
        (12, "request.args", "lookup"),
        (13, "query", "lookup"),
        (14, "query", "lookup"),
    ]
    assert sqli.source_method == "request.args"
    assert sqli.sink_method == "cur.execute"
    assert sqli.owasp_2021 == "a03-injection"
    assert sqli.language == "python"


def test_errors_become_warnings(tmp_path: Path) -> None:
    data = {
        "results": [],
        "errors": [
            {
                "level": "warn",
                "type": ["PartialParsing", []],
                "message": "Syntax error at line 3\nmore",
                "path": "bad.py",
            }
        ],
    }
    result = parse_output(data, tmp_path)
    assert result.warnings == [
        "semgrep warn: PartialParsing: Syntax error at line 3 (bad.py)"
    ]


def test_not_a_results_object() -> None:
    with pytest.raises(EngineError, match="not a JSON results object"):
        parse_output({"results": "x"}, Path())


def test_fix_is_carried(tmp_path: Path) -> None:
    [item] = [
        r for r in _sample("one")["results"] if r["check_id"].endswith("injection")
    ]
    item = {**item, "extra": {**item["extra"], "fix": "safe_call()"}}
    [finding] = parse_output({"results": [item]}, make_tree(tmp_path, "one")).findings
    [fix] = finding.fixes
    assert fix["replacement"] == "safe_call()"
    assert (fix["file"], fix["line"]) == (finding.file, finding.line)


def test_call_trace_orders_source_first_and_sink_last(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "def outer():\n    v = inner()\n    sink(v)\n\ndef inner():\n    return src()\n"
    )

    def loc(line: int) -> dict[str, Any]:
        return {"path": "m.py", "start": {"line": line, "col": 1}}

    trace = {
        "taint_source": [
            "CliCall",
            [[loc(2), "inner()"], [], ["CliLoc", [loc(6), "src()"]]],
        ],
        "intermediate_vars": [{"location": loc(2), "content": "v"}],
        "taint_sink": ["CliLoc", [loc(3), "sink(v)"]],
    }
    steps = dataflow(SourceLines(tmp_path), trace)
    assert [(s.line_number, s.code, s.short_method_name) for s in steps] == [
        (6, "src()", "inner"),
        (2, "inner()", "outer"),
        (3, "sink(v)", "outer"),
    ]


def test_enclosing_function_other_languages(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text("package a\n\nfunc (s *S) Handle(w W) {\n\tx()\n}\n")
    (tmp_path / "A.java").write_text(
        "class A {\n  public String run(String q) throws E {\n    if (q) {\n"
        "      exec(q);\n    }\n  }\n}\n"
    )
    (tmp_path / "b.js").write_text("async function load(req) {\n  run(req);\n}\n")
    source = SourceLines(tmp_path)
    assert enclosing_function(source, "a.go", 4) == "Handle"
    assert enclosing_function(source, "A.java", 4) == "run"
    assert enclosing_function(source, "b.js", 2) == "load"
    assert enclosing_function(source, "b.js", 99) == ""
    assert enclosing_function(source, "notes.txt", 1) == ""


def test_call_name_and_short_message() -> None:
    assert call_name("x = cur.execute(q)") == "cur.execute"
    assert call_name("query") == "query"
    assert short_message("First part. Second part.") == "First part"
    assert len(short_message("word " * 100)) == 120


def _loc(path: str, line: int, col: int, end_col: int) -> dict[str, Any]:
    return {
        "path": path,
        "start": {"line": line, "col": col},
        "end": {"line": line, "col": end_col},
    }


def _taint_result(path: str, lines: list[str], source: str, sink: str) -> Any:
    """A taint result: ``source`` on the first line, ``sink`` on the last."""
    last = len(lines)
    s_col, k_col = lines[0].index(source) + 1, lines[-1].rindex(sink) + 1
    return {
        "check_id": "sordino.python.header-injection",
        "path": path,
        "start": {"line": last, "col": k_col},
        "end": {"line": last, "col": k_col + len(sink)},
        "extra": {
            "message": "Header injection.",
            "lines": lines[-1],
            "metadata": {},
            "dataflow_trace": {
                "taint_source": [
                    "CliLoc",
                    [_loc(path, 1, s_col, s_col + len(source)), source],
                ],
                "intermediate_vars": [
                    {"location": _loc(path, 1, 5, 13), "content": "language"}
                ],
                "taint_sink": [
                    "CliLoc",
                    [_loc(path, last, k_col, k_col + len(sink)), sink],
                ],
            },
        },
    }


@pytest.mark.parametrize(
    ("path", "lines", "source", "sink", "source_method", "sink_method"),
    [
        (
            "app.py",
            [
                '    language = request.args.get("lang", "en")',
                '    response.headers["Content-Language"] = language',
            ],
            "request.args",
            "language",
            "request.args",
            "response.headers.__setitem__",
        ),
        (
            "main.go",
            [
                '    language := r.FormValue("lang")',
                '    w.Header().Set("Content-Language", language)',
            ],
            'r.FormValue("lang")',
            "language",
            "r.FormValue",
            "w.Header().Set",
        ),
        (
            "Servlet.java",
            [
                '    String language = request.getParameter("host");',
                "    Runtime.getRuntime().exec(language);",
            ],
            'request.getParameter("host")',
            "language",
            "request.getParameter",
            "Runtime.getRuntime().exec",
        ),
    ],
)
def test_source_and_sink_methods_are_the_called_functions(
    tmp_path: Path,
    path: str,
    lines: list[str],
    source: str,
    sink: str,
    source_method: str,
    sink_method: str,
) -> None:
    """The Python header sink was named ``language``, the variable; chained
    calls were named by their first call (``w.Header``, ``Runtime.getRuntime``)."""
    (tmp_path / path).write_text("\n".join(lines) + "\n")
    item = _taint_result(path, lines, source, sink)
    [finding] = parse_output({"results": [item]}, tmp_path).findings
    assert (finding.source_method, finding.sink_method) == (source_method, sink_method)


def test_every_dataflow_step_is_a_new_line_but_source_and_sink_stay(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.py").write_text("def f():\n    x = src(); sink(x)\n    y = 1\n")

    def loc(line: int, col: int) -> dict[str, Any]:
        return {"path": "m.py", "start": {"line": line, "col": col}}

    # source, the variable it is assigned to and the sink: all on line 2.
    trace = {
        "taint_source": ["CliLoc", [loc(2, 9), "src()"]],
        "intermediate_vars": [{"location": loc(2, 5), "content": "x"}],
        "taint_sink": ["CliLoc", [loc(2, 16), "sink(x)"]],
    }
    steps = dataflow(SourceLines(tmp_path), trace)
    assert [(s.line_number, s.code) for s in steps] == [(2, "src()"), (2, "sink(x)")]
