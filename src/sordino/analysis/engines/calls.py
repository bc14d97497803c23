"""Which function a line of code calls with a given value, read from its text.

Taint rules often report the tainted argument (``query``) rather than the
call (``cursor.execute(query)``), and chained calls (``w.Header().Set(k, v)``)
start with a call that is not the sink. These helpers find the call whose
argument list holds the value, skipping brackets inside string literals, and
name it the way it is written, with arguments elided: ``w.Header().Set``.
"""

from __future__ import annotations

import re

_OPENERS = {")": "(", "]": "["}
_QUOTES = frozenset("\"'`")
_NAME_CHARS = frozenset("_.$")
_KEYWORDS = frozenset(
    {"if", "for", "while", "switch", "catch", "return", "and", "or", "not", "in"}
)
# ``target = value``: a plain ``=`` (not ``==``, ``<=``, ``=>``, ``:=``...).
_ASSIGNMENT = re.compile(r"(?<![=!<>:+\-*/%&|^~])=(?![=>])")
_TARGET = re.compile(r"([A-Za-z_$][\w.$]*)((?:\[[^\]]*\])*)\s*$")


def brackets(text: str) -> dict[int, int]:
    """Each closing bracket's position mapped to its opening one's.

    Brackets inside string literals do not count; an unbalanced one is left out.
    """
    pairs: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    quote = ""
    escaped = False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in _QUOTES:
            quote = char
        elif char in "([":
            stack.append((char, index))
        elif char in _OPENERS:
            if stack and stack[-1][0] == _OPENERS[char]:
                pairs[index] = stack.pop()[1]
            else:
                stack.clear()
    return pairs


def _name_before(text: str, open_at: int, pairs: dict[int, int]) -> str:
    """The callee written just before the bracket at ``open_at``."""
    pieces: list[str] = []
    index = open_at
    while index > 0:
        char = text[index - 1]
        if char.isalnum() or char in _NAME_CHARS:
            start = index - 1
            while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
                start -= 1
            pieces.append(text[start:index])
            index = start
        elif char in _OPENERS and index - 1 in pairs:
            pieces.append(_OPENERS[char] + char)
            index = pairs[index - 1]
        else:
            break
    name = "".join(reversed(pieces)).strip(".")
    if not name or name in _KEYWORDS or not (name[0].isalpha() or name[0] in "_$"):
        return ""
    return name


def callee(expression: str) -> str:
    """The function a call expression calls: ``a.b(x).c(y)`` → ``a.b().c``.

    ``""`` when the expression does not end in a call.
    """
    text = expression.strip().rstrip(";").rstrip()
    pairs = brackets(text)
    last = len(text) - 1
    if not text.endswith(")") or last not in pairs:
        return ""
    return _name_before(text, pairs[last], pairs)


def enclosing_call(text: str, start: int, end: int) -> str:
    """The callee of the innermost call whose arguments hold ``text[start:end]``."""
    pairs = brackets(text)
    around = sorted(
        (open_at, close_at)
        for close_at, open_at in pairs.items()
        if text[open_at] == "(" and open_at < start and end <= close_at
    )
    for open_at, _ in reversed(around):
        name = _name_before(text, open_at, pairs)
        if name:
            return name
    return ""


def assigned_target(line: str, start: int, *, python: bool) -> str:
    """The object or item a value at ``start`` is stored into, named as a setter.

    ``resp.headers["X"] = v`` → ``resp.headers.__setitem__`` in Python (the
    method that runs), ``resp.headers`` elsewhere; ``el.innerHTML = v`` →
    ``el.innerHTML``. ``""`` for a plain variable or no assignment.
    """
    assignments = [m.start() for m in _ASSIGNMENT.finditer(line, 0, start)]
    if not assignments:
        return ""
    match = _TARGET.search(line[: assignments[-1]])
    if match is None:
        return ""
    base, subscript = match.groups()
    if subscript:
        return f"{base}.__setitem__" if python else base
    return base if "." in base else ""
