"""The streaming JSON reader: values built whole, values skipped, bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import JsonEvents

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
