"""Naming the call a tainted value reaches, from the code's text."""

from __future__ import annotations

import pytest

from sordino.analysis.engines.calls import (
    assigned_target,
    brackets,
    callee,
    enclosing_call,
)


def test_brackets_inside_strings_do_not_count() -> None:
    text = 'f("(uid=" + user + ")", g[1])'
    pairs = brackets(text)
    assert pairs == {text.index("]"): text.index("["), len(text) - 1: 1}


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("eval(expression)", "eval"),
        ("x = cur.execute(q)", "cur.execute"),
        ('exec.Command("sh", "-c", script)', "exec.Command"),
        ("Runtime.getRuntime().exec(command);", "Runtime.getRuntime().exec"),
        ('r.FormValue("domain")', "r.FormValue"),
        ("request.args", ""),
        ("(a + b)", ""),
        ("if (ready)", ""),
    ],
)
def test_callee(expression: str, name: str) -> None:
    assert callee(expression) == name


@pytest.mark.parametrize(
    ("line", "value", "name"),
    [
        ('w.Header().Set("Content-Language", lang)', "lang", "w.Header().Set"),
        ("response.getWriter().write(html);", "html", "response.getWriter().write"),
        ('template.New("banner").Parse(source)', "source", "template.New().Parse"),
        ('conn.search_s("dc=x", SCOPE, flt)', "flt", "conn.search_s"),
        ("out = fn(wrap(tainted))", "tainted", "wrap"),
        ("out = fn((tainted))", "tainted", "fn"),
        ('send(")(" + tainted)', "tainted", "send"),
        ("x = tainted", "tainted", ""),
    ],
)
def test_enclosing_call(line: str, value: str, name: str) -> None:
    start = line.rindex(value)
    assert enclosing_call(line, start, start + len(value)) == name


def test_enclosing_call_spans_lines() -> None:
    text = "ldap.NewSearchRequest(\n    base, scope,\n    filter, nil)"
    start = text.index("filter")
    assert enclosing_call(text, start, start + 6) == "ldap.NewSearchRequest"


@pytest.mark.parametrize(
    ("line", "python", "name"),
    [
        (
            'response.headers["Content-Language"] = language',
            True,
            "response.headers.__setitem__",
        ),
        ('res.headers["X-Lang"] = language', False, "res.headers"),
        ("element.innerHTML = language", False, "element.innerHTML"),
        ("copy = language", True, ""),
        ("if lang == language:", True, ""),
    ],
)
def test_assigned_target(line: str, python: bool, name: str) -> None:
    assert assigned_target(line, line.rindex("language"), python=python) == name
