"""Small helpers shared by several domains."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# An app id: 1 to 255 letters, digits, '_', ':', '.' and '-', starting and ending with
# a letter or digit. ``\Z`` rather than ``$`` so that a trailing newline is refused.
APP_ID_PATTERN = re.compile(
    r"^(?=.{1,255}\Z)[a-zA-Z0-9]([a-zA-Z0-9_:.-]*[a-zA-Z0-9])?\Z"
)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged into a copy of ``base``; nested objects merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def iso(moment: Any) -> str:
    """An ISO-8601 UTC string (``Z`` suffix) for a datetime; ``""`` for None."""
    if moment is None:
        return ""
    text: str = moment.isoformat()
    if moment.tzinfo is None:
        text += "Z"
    return text.replace("+00:00", "Z")


# Ids are 64-bit signed integers in both databases.
MAX_ID = 2**63 - 1


def parse_id(text: str) -> int | None:
    """A numeric id written in ASCII digits and within 64 bits; None otherwise."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def is_unicode(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (it holds no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_problem(value: str, max_length: int | None = None) -> str:
    """Why the databases cannot store ``value`` alike ("" when they can).

    PostgreSQL text holds no NUL character, UTF-8 encodes no lone surrogate,
    and PostgreSQL refuses a value longer than its VARCHAR column where SQLite
    keeps it whole.
    """
    if "\x00" in value:
        return "must not contain a NUL character"
    if not is_unicode(value):
        return "is not valid Unicode (it holds an unpaired surrogate)"
    if max_length is not None and len(value) > max_length:
        return f"must be at most {max_length} characters"
    return ""


JsonPath = list[str | int]


def find_text(value: Any, wrong: Callable[[str], bool]) -> tuple[JsonPath, str] | None:
    """The first string of a JSON value that is ``wrong``, and its path; or None.

    Member names count as strings (a wrong name's path ends with that name);
    strings are visited in document order.
    """
    stack: list[tuple[JsonPath, Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if wrong(item):
                return path, item
        elif isinstance(item, dict):
            members: list[tuple[JsonPath, Any]] = []
            for key, child in item.items():
                # The name is visited before the value it introduces.
                members += [([*path, key], key), ([*path, key], child)]
            stack.extend(reversed(members))
        elif isinstance(item, list):
            stack.extend(reversed([([*path, i], x) for i, x in enumerate(item)]))
    return None
