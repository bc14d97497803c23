"""JSON pointers that are built only when an error needs one."""

from __future__ import annotations

import pytest

from sordino.importers.errors import InvalidReportError
from sordino.importers.shape import arr, below, integer, obj, pointer, render, text


def test_pointer_escapes_tilde_and_slash() -> None:
    assert pointer("/runs/0", "a/b", "c~d", 3) == "/runs/0/a~1b/c~0d/3"


def test_a_spot_renders_like_the_pointer_it_stands_for() -> None:
    spot = below(below("/runs/0/results/7", "locations", 0), "uri/x")
    assert spot == ("/runs/0/results/7", "locations", 0, "uri/x")
    assert render(spot) == pointer("/runs/0/results/7", "locations", 0, "uri/x")
    assert render("/version") == "/version"


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (obj, [], "expected an object, found array"),
        (arr, {}, "expected an array, found object"),
        (text, 5, "expected a string, found number"),
        (integer, "7", "expected an integer, found string"),
        (integer, 1.5, "expected an integer, found number"),
    ],
)
def test_errors_carry_the_extended_pointer(
    check: object, value: object, expected: str
) -> None:
    with pytest.raises(InvalidReportError) as caught:
        check(value, ("/runs/0/results/2", "locations"), 0, "a/b")  # type: ignore[operator]
    assert caught.value.message == expected
    assert caught.value.location == "/runs/0/results/2/locations/0/a~1b"


def test_null_and_good_values_pass_through() -> None:
    assert obj(None, "/x", "y") == {}
    assert arr(None, "/x") == []
    assert text(None, "/x") == ""
    assert integer(None, "/x") == 0
    assert integer(4.0, "/x") == 4
    assert obj({"a": 1}, "/x") == {"a": 1}
