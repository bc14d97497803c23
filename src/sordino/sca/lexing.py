"""Source text with its comments and literals blanked out, offsets kept.

The patterns that find imports and symbol uses must not see what sits in a
comment or inside a string. ``mask`` turns every character of a comment, and
every character between a literal's delimiters, into a space; newlines and the
delimiters themselves stay, so offsets and line-anchored patterns still line up
with the original text. An import path that is a string literal (Go,
JavaScript) is found in the masked text and read back from the original.

This is a lexer's view, not a parser's: JavaScript regular expressions are told
from division by the token before the slash, and Kotlin's nested comments and
string templates are read as Java's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Syntax:
    """How a language writes comments (always ``//`` and ``/* */``) and literals."""

    quoted: str  # delimiters of one-line literals with backslash escapes
    raw: str = ""  # delimiters of multi-line literals without escapes
    text_blocks: bool = False  # triple-quoted multi-line strings
    templates: bool = False  # `text ${code} text`
    regexes: bool = False  # /pattern/flags


GO = Syntax(quoted="\"'", raw="`")
JAVA = Syntax(quoted="\"'", text_blocks=True)
JAVASCRIPT = Syntax(quoted="\"'", templates=True, regexes=True)

_NOT_NEWLINE = re.compile(r"[^\n]")
_TEMPLATE_TEXT = re.compile(r"(?:\\.|\$(?!\{)|[^\\`$])*", re.DOTALL)
_REGEX_BODY = re.compile(r"(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])+/")
# A slash after one of these starts a regular expression, not a division.
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_KEYWORDS = frozenset(
    ("return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw")
    + ("case", "do", "else", "yield", "await")
)


def mask(text: str, syntax: Syntax) -> str:
    """``text`` with comments and the insides of literals turned into spaces."""
    return _Masker(text, syntax).run()


@cache
def _body(delimiter: str, *, escapes: bool, multiline: bool) -> re.Pattern[str]:
    """The inside of a literal, up to (not including) its closing delimiter."""
    stop = f"(?!{re.escape(delimiter)})"
    if escapes:
        char = r"[^\\]" if multiline else r"[^\\\n]"
        return re.compile(rf"(?:\\.|{stop}{char})*", re.DOTALL)
    char = "." if multiline else r"[^\n]"
    return re.compile(f"(?:{stop}{char})*", re.DOTALL)


def _end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Where ``pattern`` (which may match nothing) stops matching from ``start``."""
    found = pattern.match(text, start)
    return found.end() if found else start


class _Masker:
    def __init__(self, text: str, syntax: Syntax) -> None:
        self.text = text
        self.syntax = syntax
        self.out = list(text)
        # The brace depth inside each template ``${`` being read, innermost last.
        self.holes: list[int] = []
        special = "/" + syntax.quoted + syntax.raw + ("`{}" if syntax.templates else "")
        self.special = re.compile(f"[{re.escape(special)}]")

    def run(self) -> str:
        i = 0
        while found := self.special.search(self.text, i):
            i = self._token(found.start())
        return "".join(self.out)

    def _blank(self, start: int, end: int) -> None:
        self.out[start:end] = _NOT_NEWLINE.sub(" ", self.text[start:end])

    def _token(self, i: int) -> int:
        """Mask the comment or literal starting at ``i``; the offset after it."""
        text, syntax, c = self.text, self.syntax, self.text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            return self._comment(i, len(text) if end < 0 else end)
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            return self._comment(i, len(text) if end < 0 else end + 2)
        if c == "/":
            return self._regex(i) if syntax.regexes and self._regex_starts(i) else i + 1
        if syntax.text_blocks and text.startswith('"""', i):
            return self._literal(i, '"""', escapes=True, multiline=True)
        if c in syntax.quoted:
            return self._literal(i, c, escapes=True, multiline=False)
        if c in syntax.raw:
            return self._literal(i, c, escapes=False, multiline=True)
        if c == "`":
            return self._template(i + 1)
        if self.holes and c == "{":
            self.holes[-1] += 1
        elif self.holes and c == "}":
            if not self.holes[-1]:
                self.holes.pop()
                return self._template(i + 1)
            self.holes[-1] -= 1
        return i + 1

    def _comment(self, start: int, end: int) -> int:
        self._blank(start, end)
        return end

    def _literal(
        self, start: int, delimiter: str, *, escapes: bool, multiline: bool
    ) -> int:
        body = start + len(delimiter)
        pattern = _body(delimiter, escapes=escapes, multiline=multiline)
        end = _end(pattern, self.text, body)
        self._blank(body, end)
        if self.text.startswith(delimiter, end):
            return end + len(delimiter)
        return end  # unterminated: a one-line literal stops at the newline

    def _template(self, body: int) -> int:
        """Mask a template's text from ``body`` to its end or its next ``${``."""
        end = _end(_TEMPLATE_TEXT, self.text, body)
        self._blank(body, end)
        if self.text.startswith("${", end):
            self.holes.append(0)
            return end + 2
        return end + 1

    def _regex_starts(self, i: int) -> bool:
        """Whether the slash at ``i`` opens a regular expression literal."""
        j = i - 1
        while j >= 0 and self.out[j].isspace():
            j -= 1
        if j < 0 or self.out[j] in _REGEX_AFTER:
            return True
        end = j + 1
        while j >= 0 and (self.out[j].isalnum() or self.out[j] in "_$"):
            j -= 1
        return "".join(self.out[j + 1 : end]) in _REGEX_KEYWORDS

    def _regex(self, start: int) -> int:
        found = _REGEX_BODY.match(self.text, start + 1)
        if not found:
            return start + 1  # a division after all
        self._blank(start + 1, found.end() - 1)
        return found.end()
