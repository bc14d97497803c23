"""Streaming access to a JSON document, with precise errors for bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

from sordino.common import find_text, is_unicode
from sordino.importers.errors import InvalidReportError

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Above this size a malformed document is located by byte range only, so that
# finding the exact column never re-reads a huge upload into memory.
_EXACT_LOCATION_LIMIT = 64 * 1024 * 1024
_CONTAINERS = frozenset({"start_map", "start_array"})
_CLOSERS = frozenset({"end_map", "end_array"})
# Returned by ``_build`` when the events stop inside the value.
_TRUNCATED = object()
# The \u escape of a UTF-16 surrogate; a high one takes its low partner along,
# so that a 6-byte match is an unpaired surrogate (if it is an escape at all:
# after an odd run of backslashes it is text, "\\ud800").
_SURROGATE = re.compile(
    rb"\\u[dD](?:[89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
    rb"|[c-fC-F][0-9a-fA-F]{2})"
)
_LONGEST_ESCAPE = 12


class SurrogateScan:
    """Finds an unpaired UTF-16 surrogate escape in JSON text read in chunks.

    JSON allows ``"\\ud800"``, but no UTF-8 text (nor a database) holds it,
    and yajl, ijson's parser, reads it as "?", merges it with whatever escape
    follows into a wrong character, or fails with a UnicodeDecodeError; so it
    is refused before the parser sees it. Chunks without a surrogate escape,
    nearly all of them, cost one regular-expression search.
    """

    def __init__(self) -> None:
        # Bytes held back because an escape may continue in the next chunk;
        # they start where an escape could start.
        self._held = b""
        self._held_at = 0
        # The document offset and text of the first unpaired escape.
        self.found: tuple[int, str] | None = None

    def feed(self, chunk: bytes) -> bytes:
        """What may be parsed of the text so far (``b""`` ends it); sets ``found``."""
        data = self._held + chunk
        # An escape that starts before ``end`` is whole in ``data``.
        end = len(data) - _LONGEST_ESCAPE + 1 if chunk else len(data)
        keep = _escape_start(data, max(end, 0)) if chunk else len(data)
        position = 0
        while match := _SURROGATE.search(data, position):
            start = match.start()
            if start >= end:
                break
            if _slashes_before(data, start) % 2:
                position = start + 1  # text; an escape may start inside it
                continue
            if len(match[0]) == 6:
                self.found = self._held_at + start, match[0].decode()
                return b""
            keep = max(keep, match.end())
            position = match.end()
        self._held_at += keep
        self._held = data[keep:]
        return data[:keep]


def _slashes_before(data: bytes, at: int) -> int:
    """How many backslashes end ``data[:at]`` (``data`` starts outside an escape)."""
    count = 0
    while count < at and data[at - count - 1] == 0x5C:
        count += 1
    return count


def _escape_start(data: bytes, at: int) -> int:
    """``at``, or one byte earlier when the backslash there starts an escape."""
    return at - 1 if _slashes_before(data, at) % 2 else at


def check_unicode(data: bytes) -> None:
    """Refuse a whole JSON text that holds an unpaired surrogate escape."""
    scan = SurrogateScan()
    scan.feed(data)
    scan.feed(b"")
    if scan.found is not None:
        offset, escape = scan.found
        raise _not_unicode(escape, surrogate_location(data, offset))


def surrogate_location(data: bytes, offset: int, skipped: int = 0) -> str:
    """Where the bad escape at ``offset`` is: its string's JSON pointer, if known.

    Text that does not parse gets the escape's line and column instead;
    ``skipped`` is how many bytes (a BOM) precede ``data`` in the file.
    """
    pointer = _unicode_pointer(data)
    if pointer:
        return pointer
    prefix = data[:offset].decode("utf-8", errors="replace")
    line = prefix.count("\n") + 1
    column = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return f"line {line}, column {column} (byte {offset + skipped})"


def _unicode_pointer(data: bytes) -> str:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return ""
    found = find_text(doc, lambda text: not is_unicode(text))
    if found is None:
        return ""
    # The member name itself may be the bad string: escaped, so that the
    # error can be sent as UTF-8.
    parts = (
        str(part).encode("utf-8", "backslashreplace").decode("utf-8")
        for part in found[0]
    )
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return "/" + "/".join(escaped)


def _not_unicode(escape: str, location: str) -> InvalidReportError:
    return InvalidReportError(
        f"a string is not valid Unicode: {escape} is an unpaired UTF-16 surrogate",
        location,
    )


class CountingReader:
    """A binary reader that skips a UTF-8 BOM and counts what it hands out.

    It refuses an unpaired surrogate escape (see ``SurrogateScan``) as it
    reads past it, with InvalidReportError.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._start = stream.tell() if stream.seekable() else 0
        head = stream.read(3)
        if head.startswith(_UTF16_BOMS):
            raise InvalidReportError(
                "UTF-16 input is not supported; send UTF-8", "byte 0"
            )
        self._pending = head[3:] if head.startswith(_UTF8_BOM) else head
        self.skipped = 3 if head.startswith(_UTF8_BOM) else 0
        self.offset = 0
        self.lines = 1
        self._surrogates = SurrogateScan()

    def read(self, size: int = -1) -> bytes:
        """Bytes for the parser, counted."""
        if size == 0:
            return b""
        while True:
            raw = self._pending + self._stream.read(size)
            self._pending = b""
            chunk = self._surrogates.feed(raw)
            if self._surrogates.found is not None:
                offset, escape = self._surrogates.found
                raise _not_unicode(escape, self._surrogate_location(offset))
            if chunk or not raw:
                break
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return chunk

    def _surrogate_location(self, offset: int) -> str:
        byte = offset + self.skipped
        if not self._stream.seekable():
            return f"byte {byte}"
        self._stream.seek(self._start + self.skipped)
        data = self._stream.read(_EXACT_LOCATION_LIMIT + 1)
        if len(data) > _EXACT_LOCATION_LIMIT:
            return f"byte {byte}"
        return surrogate_location(data, offset, self.skipped)

    def locate(self) -> str:
        """Where the parser stopped, as exactly as can be told cheaply."""
        exact = self._exact_location()
        if exact:
            return exact
        return f"near byte {self.offset + self.skipped} (line {self.lines})"

    def _exact_location(self) -> str:
        if not self._stream.seekable() or self.offset > _EXACT_LOCATION_LIMIT:
            return ""
        self._stream.seek(self._start + self.skipped)
        text = self._stream.read(self.offset).decode("utf-8", errors="replace")
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            byte = len(text[: exc.pos].encode()) + self.skipped
            return f"line {exc.lineno}, column {exc.colno} (byte {byte})"
        return ""


class JsonEvents:
    """The parse events of one JSON document, read incrementally."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._reader = CountingReader(stream)
        self._events: Iterator[tuple[str, Any]] = ijson.basic_parse(
            self._reader, use_float=True
        )

    def next(self) -> tuple[str, Any]:
        """The next event; malformed or truncated JSON becomes InvalidReportError."""
        try:
            return next(self._events)
        except StopIteration:
            raise InvalidReportError(
                "the document ends too early", self._reader.locate()
            ) from None
        except ijson.JSONError as exc:
            raise self._malformed(exc) from exc

    def value(self, event: str, value: Any) -> Any:
        """The whole value that starts with ``event``, built in memory."""
        if event not in _CONTAINERS:
            return value
        try:
            built = _build(self._events, event)
        except ijson.JSONError as exc:
            raise self._malformed(exc) from exc
        if built is _TRUNCATED:
            raise InvalidReportError(
                "the document ends too early", self._reader.locate()
            )
        return built

    def skip(self, event: str) -> None:
        """Consume the rest of the value that starts with ``event``."""
        if event not in _CONTAINERS:
            return
        depth = 1
        try:
            for next_event, _ in self._events:
                if next_event in _CONTAINERS:
                    depth += 1
                elif next_event in _CLOSERS:
                    depth -= 1
                    if not depth:
                        return
        except ijson.JSONError as exc:
            raise self._malformed(exc) from exc
        raise InvalidReportError("the document ends too early", self._reader.locate())

    def finish(self) -> None:
        """Check that nothing but whitespace follows the document."""
        try:
            extra = next(self._events, None)
        except ijson.JSONError as exc:
            raise self._malformed(exc) from exc
        if extra is not None:
            raise InvalidReportError("unexpected data after the document")

    def _malformed(self, exc: ijson.JSONError) -> InvalidReportError:
        detail = str(exc.args[0] if exc.args else exc)
        if isinstance(exc.args[0] if exc.args else None, bytes):
            detail = exc.args[0].decode("utf-8", errors="replace")
        reason = detail.splitlines()[0] if detail else "malformed JSON"
        return InvalidReportError(f"not valid JSON: {reason}", self._reader.locate())


def _build(events: Iterator[tuple[str, Any]], first: str) -> Any:
    """The container opened by ``first``, built from the events that follow.

    One flat loop with no call per event: building result objects is the bulk
    of the work of importing a large report.
    """
    root: Any = {} if first == "start_map" else []
    stack = [root]
    top = root
    key = ""
    for event, value in events:
        if event == "map_key":
            key = value
            continue
        if event in _CONTAINERS:
            value = {} if event == "start_map" else []
        elif event in _CLOSERS:
            stack.pop()
            if not stack:
                return root
            top = stack[-1]
            continue
        if type(top) is dict:
            top[key] = value
        else:
            top.append(value)
        if event in _CONTAINERS:
            stack.append(value)
            top = value
    return _TRUNCATED


def type_name(value: Any) -> str:
    """The JSON name of a Python value's type, for error messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return names.get(type(value), type(value).__name__)


def event_type(event: str) -> str:
    """The JSON type name of the value a parse event starts."""
    names = {
        "start_map": "object",
        "start_array": "array",
        "string": "string",
        "boolean": "boolean",
        "null": "null",
    }
    return names.get(event, "number")
