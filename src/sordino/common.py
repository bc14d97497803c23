"""Small helpers shared by several domains."""

from __future__ import annotations

import re
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
