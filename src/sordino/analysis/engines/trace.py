"""Turning semgrep dataflow traces into ``DataflowStep`` lists.

A trace names the source, the variables the tainted value passed through and
the sink. Each step is labelled with the function that encloses it, found by a
cheap backwards scan for a definition line rather than by parsing the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sordino.analysis.engines.base import relative_path
from sordino.analysis.engines.calls import assigned_target, callee, enclosing_call
from sordino.analysis.inventory import language_of
from sordino.ingest.bundle import DataflowStep

_DEFINITIONS: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"^\s*(?:async\s+)?def\s+(\w+)"),
    "go": re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)"),
    "javascript": re.compile(
        r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)"
        r"|^\s*(?:const|let|var)\s+(\w+)\s*=\s*(?:async\s*)?"
        r"(?:function\b|\([^)]*\)\s*=>|\w+\s*=>)"
    ),
    "java": re.compile(
        r"^\s*(?:(?:public|private|protected|static|final|synchronized|abstract)\s+)*"
        r"[\w<>\[\],.? ]+\s+(\w+)\s*\([^;]*$"
    ),
}
_DEFINITIONS["typescript"] = _DEFINITIONS["javascript"]
_DEFINITIONS["kotlin"] = re.compile(r"^\s*(?:\w+\s+)*fun\s+(?:<[^>]*>\s*)?(\w+)")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "return", "new"})
_LOOKBACK = 400
# Lines above a sink searched for the call whose arguments span several lines.
_CALL_LOOKBACK = 3
_CALLEE = re.compile(r"[\w.$]+$")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


class SourceLines:
    """The lines of files under one root, each file read at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, tuple[str, ...]] = {}

    def get(self, file: str) -> tuple[str, ...]:
        """The lines of ``file`` (relative to the root); empty when unreadable."""
        if file not in self._cache:
            try:
                text = (self.root / file).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._cache[file] = tuple(text.splitlines())
        return self._cache[file]


def enclosing_function(source: SourceLines, file: str, line: int) -> str:
    """The name of the function around ``line`` of ``file``, or ``""``."""
    pattern = _DEFINITIONS.get(language_of(file))
    if pattern is None:
        return ""
    lines = source.get(file)
    if not 0 < line <= len(lines):
        return ""
    target = _indent(lines[line - 1])
    for index in range(line - 1, max(line - 1 - _LOOKBACK, -1), -1):
        text = lines[index]
        match = pattern.match(text)
        if match is None:
            continue
        name = next((group for group in match.groups() if group), "")
        if name in _NOT_METHODS:
            continue
        if index == line - 1 or _indent(text) < target:
            return name
    return ""


def call_name(code: str) -> str:
    """The callee of a call expression (``x = cur.execute(q)`` → ``cur.execute``)."""
    head = code.strip().split("(", 1)[0].rstrip()
    callee = _CALLEE.search(head) if "(" in code else None
    return callee.group(0) if callee else code.strip()


def _module_name(file: str) -> str:
    stem = file.rsplit(".", 1)[0] if "." in Path(file).name else file
    return stem.replace("/", ".")


def _step(source: SourceLines, location: Any, code: str) -> DataflowStep:
    if not isinstance(location, dict):
        location = {}
    file = relative_path(str(location.get("path", "")), source.root)
    line = int(location.get("start", {}).get("line", 0) or 0)
    function = enclosing_function(source, file, line)
    return DataflowStep(
        file_name=file,
        line_number=line,
        method_name=f"{_module_name(file)}.{function}" if function else code,
        short_method_name=function or code,
        code=code,
    )


def _call_trace(source: SourceLines, node: Any, *, is_sink: bool) -> list[DataflowStep]:
    """Steps of a ``CliLoc`` or (nested) ``CliCall`` trace node."""
    if not isinstance(node, list) or len(node) != 2:
        return []
    kind, payload = node
    if kind == "CliLoc" and isinstance(payload, list) and len(payload) == 2:
        return [_step(source, payload[0], str(payload[1]))]
    if kind != "CliCall" or not isinstance(payload, list) or len(payload) != 3:
        return []
    (call_loc, call_code), variables, inner = payload
    steps = [_step(source, call_loc, str(call_code))]
    steps += _variables(source, variables)
    nested = _call_trace(source, inner, is_sink=is_sink)
    # A sink call ends at the real sink; a source call starts at the real source.
    return steps + nested if is_sink else nested + list(reversed(steps))


def _variables(source: SourceLines, items: Any) -> list[DataflowStep]:
    if not isinstance(items, list):
        return []
    return [
        _step(source, item.get("location", {}), str(item.get("content", "")))
        for item in items
        if isinstance(item, dict)
    ]


def dataflow(source: SourceLines, trace: dict[str, Any] | None) -> list[DataflowStep]:
    """The source-to-sink steps of a semgrep ``dataflow_trace``; the sink is last."""
    if not trace:
        return []
    steps = _call_trace(source, trace.get("taint_source"), is_sink=False)
    steps += _variables(source, trace.get("intermediate_vars"))
    steps += _call_trace(source, trace.get("taint_sink"), is_sink=True)
    return collapse(steps)


def _place(step: DataflowStep) -> tuple[str, int]:
    return step.file_name, step.line_number


def collapse(steps: list[DataflowStep]) -> list[DataflowStep]:
    """The steps without variables that repeat the line of the step before.

    semgrep lists the source (``request.args``) and the variable it is assigned
    to (``category``) as two steps of one line; the API shows a step as its
    location only, so that line would appear twice. The source and the sink
    always stay; a variable on the sink's line gives way to the sink.
    """
    kept: list[DataflowStep] = []
    for index, step in enumerate(steps):
        is_sink = index == len(steps) - 1
        if kept and _place(kept[-1]) == _place(step):
            if not is_sink:
                continue
            if len(kept) > 1:
                kept.pop()
        kept.append(step)
    return kept


def _sink_node(node: Any) -> tuple[dict[str, Any], str] | None:
    """The location and code of the innermost sink of a ``taint_sink`` node."""
    if not isinstance(node, list) or len(node) != 2:
        return None
    kind, payload = node
    if kind == "CliLoc" and isinstance(payload, list) and len(payload) == 2:
        location, code = payload
        return (location, str(code)) if isinstance(location, dict) else None
    if kind == "CliCall" and isinstance(payload, list) and len(payload) == 3:
        return _sink_node(payload[2])
    return None


def _offset(lines: tuple[str, ...], first: int, line: int, col: int) -> int:
    return sum(len(text) + 1 for text in lines[first - 1 : line - 1]) + col - 1


def sink_call(source: SourceLines, trace: dict[str, Any] | None) -> str:
    """The function the tainted value reaches, read from the sink's code.

    The sink itself when it is a call; else the call whose arguments hold it
    (on its line or a few lines above); else the item or attribute it is
    assigned to (``resp.headers["X"] = v``); ``""`` when none of these.
    """
    found = _sink_node((trace or {}).get("taint_sink"))
    if found is None:
        return ""
    location, code = found
    own = callee(code)
    if own:
        return own
    file = relative_path(str(location.get("path", "")), source.root)
    lines = source.get(file)
    start, end = location.get("start", {}) or {}, location.get("end", {}) or {}
    line, col = int(start.get("line", 0) or 0), int(start.get("col", 0) or 0)
    end_line = int(end.get("line", line) or line)
    end_col = int(end.get("col", col) or col)
    if not 0 < line <= end_line <= len(lines) or col < 1:
        return ""
    first = max(1, line - _CALL_LOOKBACK)
    text = "\n".join(lines[first - 1 : end_line])
    begin = _offset(lines, first, line, col)
    name = enclosing_call(text, begin, _offset(lines, first, end_line, end_col))
    if name:
        return name
    python = language_of(file) == "python"
    return assigned_target(lines[line - 1], col - 1, python=python)
