"""Streaming access to a JSON document, with precise errors for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

import ijson

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


class CountingReader:
    """A binary reader that skips a UTF-8 BOM and counts what it hands out."""

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

    def read(self, size: int = -1) -> bytes:
        """Bytes for the parser, counted."""
        if size == 0:
            return b""
        chunk = self._pending + self._stream.read(size)
        self._pending = b""
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return chunk

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
