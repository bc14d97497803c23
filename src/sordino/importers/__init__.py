"""Importers: reports of other tools (SARIF, CycloneDX) or sordino bundles.

``load`` sniffs the format, picks the importer from an explicit registry and
returns a ``ScanBundle``; anything it cannot accept raises
``InvalidReportError`` carrying where the problem is.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from sordino.importers.cyclonedx import parse_cyclonedx
from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import check_unicode
from sordino.importers.sarif import parse_sarif
from sordino.importers.validate import validate_cyclonedx, validate_sarif
from sordino.ingest.bundle import ScanBundle

__all__ = ["InvalidReportError", "detect_format", "load"]

Format = Literal["sarif", "cyclonedx", "bundle"]
Parser = Callable[[IO[bytes], str], ScanBundle]
SNIFF_BYTES = 64 * 1024
_SPOOL_LIMIT = 8 * 1024 * 1024


def _sarif(stream: IO[bytes], app: str) -> ScanBundle:
    return parse_sarif(stream, app=app)


def _cyclonedx(stream: IO[bytes], app: str) -> ScanBundle:
    return parse_cyclonedx(stream, app=app)


def _bundle(stream: IO[bytes], app: str) -> ScanBundle:
    data = stream.read()
    check_unicode(data)
    try:
        bundle = ScanBundle.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(part) for part in first["loc"])
        # A field's own check (its column's length, say) words its message.
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidReportError(
            f"not a valid sordino bundle: {message}", where
        ) from exc
    if app:
        bundle.app = app
    return bundle


PARSERS: dict[Format, Parser] = {
    "sarif": _sarif,
    "cyclonedx": _cyclonedx,
    "bundle": _bundle,
}
_VALIDATORS: dict[Format, Callable[[dict[str, Any]], list[str]]] = {
    "sarif": validate_sarif,
    "cyclonedx": validate_cyclonedx,
}


def detect_format(first_bytes: bytes) -> Format:
    """Which importer reads a document, judged from its first bytes."""
    head = first_bytes.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        kind = "XML" if head.startswith(b"<") else "not JSON"
        raise InvalidReportError(
            f"unrecognised report ({kind}): expected a SARIF, CycloneDX JSON or "
            "sordino bundle document",
            "byte 0",
        )
    if b'"bomFormat"' in head:
        return "cyclonedx"
    if b'"runs"' in head or b"sarif" in head.lower():
        return "sarif"
    if b'"schema_version"' in head or b'"findings"' in head:
        return "bundle"
    raise InvalidReportError(
        "unrecognised report: no SARIF 'runs', CycloneDX 'bomFormat' or bundle "
        "'schema_version' near the start",
        "/",
    )


def load(
    source: str | Path | IO[bytes], *, app: str, strict: bool = False
) -> ScanBundle:
    """Import a report file or binary stream into a ScanBundle.

    With ``strict`` the document is first checked against the official schema
    (which reads it whole into memory) and refused at its first schema error;
    otherwise it is streamed and only what cannot be read is refused.
    """
    if isinstance(source, str | Path):
        with Path(source).open("rb") as stream:
            return _load_stream(stream, app, strict)
    if source.seekable():
        return _load_stream(source, app, strict)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:
        shutil.copyfileobj(source, spool)
        spool.seek(0)
        return _load_stream(spool, app, strict)


def _load_stream(stream: IO[bytes], app: str, strict: bool) -> ScanBundle:
    start = stream.tell()
    kind = detect_format(stream.read(SNIFF_BYTES))
    stream.seek(start)
    if strict and kind in _VALIDATORS:
        data = stream.read()
        _check_schema(kind, data)
        stream = io.BytesIO(data)
    return PARSERS[kind](stream, app)


def _check_schema(kind: Format, data: bytes) -> None:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # the streaming parser reports where the JSON breaks
    errors = _VALIDATORS[kind](doc) if isinstance(doc, dict) else ["/: not an object"]
    if errors:
        where, _, message = errors[0].partition(": ")
        more = f" ({len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidReportError(f"not valid {kind}: {message}{more}", where)
