"""Typed access to parsed JSON, failing with the JSON pointer of the bad value."""

from __future__ import annotations

from typing import Any

from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import type_name

JsonObject = dict[str, Any]


def pointer(base: str, *parts: str | int) -> str:
    """``base`` extended by ``parts``, escaped as RFC 6901 asks."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "/".join([base, *escaped])


def wrong_type(value: Any, expected: str, where: str) -> InvalidReportError:
    """The error for a value of the wrong JSON type."""
    return InvalidReportError(f"expected {expected}, found {type_name(value)}", where)


def obj(value: Any, where: str) -> JsonObject:
    """``value`` if it is an object; null counts as an empty object."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise wrong_type(value, "an object", where)
    return value


def arr(value: Any, where: str) -> list[Any]:
    """``value`` if it is an array; null counts as an empty array."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong_type(value, "an array", where)
    return value


def text(value: Any, where: str) -> str:
    """``value`` if it is a string; null counts as empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wrong_type(value, "a string", where)
    return value


def integer(value: Any, where: str) -> int:
    """``value`` if it is a whole number; null counts as zero."""
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(value, "an integer", where)
    return value


def member(container: JsonObject, key: str, where: str) -> JsonObject:
    """The object under ``key`` of ``container`` (empty when absent)."""
    return obj(container.get(key), pointer(where, key))


def message_text(container: JsonObject, key: str, where: str) -> str:
    """The ``text`` of a SARIF/CycloneDX message-like object under ``key``."""
    inner = member(container, key, where)
    return text(inner.get("text"), pointer(where, key, "text"))
