"""Typed access to parsed JSON, failing with the JSON pointer of the bad value.

Where a value sits is passed as a ``Where``: either a finished pointer string
or a ``Spot``, a tuple whose first item is a finished pointer and whose other
items are raw member names or indexes below it. A spot is rendered to a
pointer string only when an error is raised, so the common path of a large
import never builds the thousands of pointer strings it would not use.
"""

from __future__ import annotations

from typing import Any

from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import type_name
from sordino.ingest.bundle import LINE_MAX

JsonObject = dict[str, Any]
Spot = tuple[str | int, ...]
Where = str | Spot


def pointer(base: str, *parts: str | int) -> str:
    """``base`` extended by ``parts``, escaped as RFC 6901 asks."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "/".join([base, *escaped])


def render(where: Where) -> str:
    """The JSON pointer string of ``where``."""
    if isinstance(where, str):
        return where
    if not where:
        return ""
    return pointer(str(where[0]), *where[1:])


def below(where: Where, *parts: str | int) -> Spot:
    """The spot of ``parts`` under ``where``, still unrendered."""
    if isinstance(where, str):
        return (where, *parts)
    return (*where, *parts)


def wrong_type(value: Any, expected: str, where: Where) -> InvalidReportError:
    """The error for a value of the wrong JSON type."""
    return InvalidReportError(
        f"expected {expected}, found {type_name(value)}", render(where)
    )


def obj(value: Any, where: Where, *parts: str | int) -> JsonObject:
    """``value`` if it is an object; null counts as an empty object.

    ``parts`` (here and in the other checks) extend ``where`` for the error only.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise wrong_type(value, "an object", below(where, *parts))
    return value


def arr(value: Any, where: Where, *parts: str | int) -> list[Any]:
    """``value`` if it is an array; null counts as an empty array."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong_type(value, "an array", below(where, *parts))
    return value


def text(value: Any, where: Where, *parts: str | int) -> str:
    """``value`` if it is a string; null counts as empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wrong_type(value, "a string", below(where, *parts))
    return value


def integer(value: Any, where: Where, *parts: str | int) -> int:
    """``value`` if it is a whole number; null counts as zero."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(value, "an integer", below(where, *parts))
    return value


def line_number(value: Any, where: Where, *parts: str | int) -> int:
    """``value`` if it is a line number: a whole number from 1 to ``LINE_MAX``.

    SARIF numbers lines from 1; null or absent counts as 0, "not known".
    """
    number = integer(value, where, *parts)
    if value is not None and not 1 <= number <= LINE_MAX:
        raise InvalidReportError(
            f"expected a line number from 1 to {LINE_MAX}, found {value!r}",
            render(below(where, *parts)),
        )
    return number


def member(container: JsonObject, key: str, where: Where) -> JsonObject:
    """The object under ``key`` of ``container`` (empty when absent)."""
    return obj(container.get(key), below(where, key))


def message_text(container: JsonObject, key: str, where: Where) -> str:
    """The ``text`` of a SARIF/CycloneDX message-like object under ``key``."""
    inner = member(container, key, where)
    return text(inner.get("text"), below(where, key, "text"))
