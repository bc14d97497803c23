"""The streaming JSON reader: values built whole, values skipped, bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sordino.common import is_unicode
from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import JsonEvents, SurrogateScan

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _events(document: str) -> JsonEvents:
    return JsonEvents(io.BytesIO(document.encode()))


@settings(max_examples=150, deadline=None)
@given(_json)
def test_value_builds_what_json_loads_reads(value: Any) -> None:
    document = json.dumps({"before": [1, {"x": 2}], "value": value, "after": True})
    events = _events(document)
    assert events.next()[0] == "start_map"
    assert events.next() == ("map_key", "before")
    events.skip(events.next()[0])
    assert events.next() == ("map_key", "value")
    event, first = events.next()

    assert events.value(event, first) == json.loads(document)["value"]
    # The reader stands right after the value: the next member follows.
    assert events.next() == ("map_key", "after")
    assert events.next() == ("boolean", True)


def test_skip_of_a_scalar_consumes_nothing_more() -> None:
    events = _events('[1, "two", 3]')
    events.next()
    events.skip(events.next()[0])
    assert events.next() == ("string", "two")


def test_nested_containers_keep_their_keys() -> None:
    events = _events('{"a": {"b": [{"c": []}, {}], "d": {"e": null}}, "f": 1}')
    event, first = events.next()
    assert events.value(event, first) == {
        "a": {"b": [{"c": []}, {}], "d": {"e": None}},
        "f": 1,
    }


def test_value_cut_short_is_refused_at_the_end() -> None:
    document = '{"results": [{"ruleId": "r", "locations": ['
    events = _events(document)
    events.next()
    events.next()
    event, first = events.next()
    with pytest.raises(InvalidReportError) as caught:
        events.value(event, first)
    assert "premature EOF" in caught.value.message
    assert caught.value.location.startswith(f"line 1, column {len(document) + 1}")


def test_malformed_inside_a_value_names_line_and_column() -> None:
    events = _events('{"results": [\n {"ruleId": "r",, "x": 1}]}')
    events.next()
    events.next()
    event, first = events.next()
    with pytest.raises(InvalidReportError) as caught:
        events.value(event, first)
    assert "not valid JSON" in caught.value.message
    assert caught.value.location.startswith("line 2, column")


def test_skip_cut_short_is_refused_at_the_end() -> None:
    document = '{"tool": {"driver": {"name": "x"'
    events = _events(document)
    events.next()
    events.next()
    with pytest.raises(InvalidReportError) as caught:
        events.skip(events.next()[0])
    assert "premature EOF" in caught.value.message
    assert caught.value.location.startswith(f"line 1, column {len(document) + 1}")


# --- unpaired surrogate escapes -------------------------------------------------


def _read_all(data: bytes) -> list[tuple[str, Any]]:
    events = JsonEvents(io.BytesIO(data))
    found = [events.next()]
    depth = 1
    while depth:
        event = events.next()
        depth += event[0] in ("start_map", "start_array")
        depth -= event[0] in ("end_map", "end_array")
        found.append(event)
    events.finish()
    return found


@pytest.mark.parametrize(
    ("document", "where", "escape"),
    [
        # yajl read this one as "?" ...
        (rb'{"a": ["x", "\ud800"]}', "/a/1", r"\ud800"),
        # ... this one, merged with the escape after it, as U+10041 ...
        (rb'{"a": "\ud800\u0041"}', "/a", r"\ud800"),
        # ... and failed on this one with a UnicodeDecodeError.
        (rb'{"a": "x\uDC00y"}', "/a", r"\uDC00"),
        (rb'{"\udc00": 1}', r"/\udc00", r"\udc00"),
        (rb'{"a": "\\\ud800"}', "/a", r"\ud800"),
    ],
)
def test_unpaired_surrogate_escape_is_refused_with_its_pointer(
    document: bytes, where: str, escape: str
) -> None:
    with pytest.raises(InvalidReportError) as caught:
        _read_all(document)
    assert caught.value.location == where
    assert caught.value.message == (
        f"a string is not valid Unicode: {escape} is an unpaired UTF-16 surrogate"
    )


def test_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    document = rb'["\ud83d\ude00", "\uD83D\uDE00", "\\ud800", "\\\\udc00"]'
    strings = [value for event, value in _read_all(document) if event == "string"]
    assert strings == ["\U0001f600", "\U0001f600", "\\ud800", "\\\\udc00"]


def test_unpaired_surrogate_far_into_a_document_is_located() -> None:
    padding = [{"text": '\U0001f600 é \\ " x' * 20} for _ in range(3000)]
    text = json.dumps({"runs": padding})
    document = (text[:-2] + ', "late \\udfff"]}').encode()
    assert len(document) > 4 * 64 * 1024  # several reads of the parser
    with pytest.raises(InvalidReportError) as caught:
        _read_all(document)
    assert caught.value.location == "/runs/3000"


def test_unpaired_surrogate_in_malformed_json_gets_line_and_column() -> None:
    with pytest.raises(InvalidReportError) as caught:
        _read_all(b'\xef\xbb\xbf{"a": 1,\n "b": ["\\udc00"\n')
    assert caught.value.location == "line 2, column 9 (byte 20)"  # BOM counted


_PIECES = [r"\ud83d\ude00", r"\ud800", r"\uDFFF", r"\\", r"\\ud800", "a", r"\u0041"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=12),
    st.integers(min_value=1, max_value=14),
)
def test_surrogate_scan_agrees_with_json_at_any_chunk_size(
    pieces: list[str], size: int
) -> None:
    document = ('["' + "".join(pieces) + '"]').encode()
    (decoded,) = json.loads(document)
    unpaired = not is_unicode(decoded)
    scan = SurrogateScan()
    passed = b""
    for start in range(0, len(document), size):
        passed += scan.feed(document[start : start + size])
        if scan.found:
            break
    else:
        passed += scan.feed(b"")
    assert (scan.found is not None) == unpaired
    if not unpaired:
        assert passed == document  # what the parser gets is the text unchanged
