"""Report text fitted to the columns that store it, alike in every database.

A report's free text may hold NUL characters, which PostgreSQL text cannot
hold, and values longer than their VARCHAR column, which PostgreSQL refuses
where SQLite keeps them whole. Rather than refusing a whole report for one
odd message or component name, ingest strips the NULs and shortens the
value, so that both databases store the same thing.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

from sqlalchemy import Table

from sordino.db import text_lengths

NUL = "\x00"
# How json.dumps writes a NUL: a JSON text without it holds no NUL string.
_JSON_NUL = "\\u0000"


class Fitter:
    """Fits row values to the text columns of one table."""

    def __init__(self, table: Table) -> None:
        # Unbounded columns compare with a length no string reaches.
        lengths = text_lengths(table).items()
        self._limits = [(name, length or sys.maxsize) for name, length in lengths]

    def row(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with each text column's value fitted (changed in place)."""
        for name, length in self._limits:
            value = values.get(name)
            if type(value) is str and (len(value) > length or NUL in value):
                values[name] = fit(value, length)
        return values


def fit(value: str, length: int | None = None) -> str:
    """``value`` without NUL characters, cut to ``length`` characters."""
    if NUL in value:
        value = value.replace(NUL, "")
    if length is not None and len(value) > length:
        value = value[:length]
    return value


def fit_id(value: str, length: int) -> str:
    """An identifier fitted without losing its identity.

    A value that is too long keeps its start and ends with a digest of the
    whole, so that two long identifiers with the same start stay apart.
    """
    value = fit(value)
    if len(value) <= length:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{value[: length - 33]}~{digest[:32]}"


def without_nul(value: Any) -> Any:
    """A JSON value with the NUL characters of its strings and names removed."""
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value


def json_text(value: Any) -> str:
    """A JSON column's stored text, its strings without NUL characters.

    The empty containers, the common case, skip the encoder.
    """
    if not value:
        return "[]" if isinstance(value, list) else json.dumps(value)
    text = json.dumps(value)
    # A false alarm (an escaped backslash before "u0000") only costs a walk.
    return json.dumps(without_nul(value)) if _JSON_NUL in text else text
