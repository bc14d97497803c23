"""sordino bundles: what a database cannot store is refused with its pointer."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sordino.importers import load
from sordino.importers.errors import InvalidReportError


def _refused(document: bytes | dict[str, Any]) -> InvalidReportError:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(InvalidReportError) as caught:
        load(io.BytesIO(data), app="a")
    return caught.value


def _bundle(**fields: Any) -> dict[str, Any]:
    return {"schema_version": 1, "app": "a", **fields}


def _finding(**fields: Any) -> dict[str, Any]:
    return {"rule_id": "r", "title": "t", **fields}


def test_unpaired_surrogate_is_refused_with_its_pointer() -> None:
    document = b'{"schema_version": 1, "app": "a", "findings": [{"rule_id": "\\ud800"'
    error = _refused(document + b', "title": "t"}]}')
    assert error.location == "/findings/0/rule_id"
    assert "not valid Unicode" in error.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cvss_score", "NaN"),
        ("cvss_score", "Infinity"),
        ("cvss_score", "11"),
        ("cvss_score", "-0.5"),
        ("line", "2147483648"),
        ("line", "-1"),
        ("end_line", "1e20"),
    ],
)
def test_numbers_outside_their_columns_are_refused(field: str, value: str) -> None:
    document = json.dumps(_bundle(findings=[_finding()]))
    # NaN and Infinity are JSON extensions that pydantic reads as floats.
    raw = document.replace('"title": "t"', f'"title": "t", "{field}": {value}')
    error = _refused(raw.encode())
    assert error.location == f"/findings/0/{field}"


@pytest.mark.parametrize(
    ("fields", "where", "problem"),
    [
        ({"branch": "b" * 256}, "/branch", "must be at most 255 characters"),
        ({"version": "v" * 256}, "/version", "must be at most 255 characters"),
        ({"branch": "main\x00"}, "/branch", "must not contain a NUL character"),
        ({"app_name": "n" * 256}, "/app_name", "must be at most 255 characters"),
        ({"tags": {"k": "v" * 1025}}, "/tags/k", "must be at most 1024 characters"),
        ({"tags": {"k\x00": "v"}}, "/tags/k\x00/[key]", "must not contain a NUL"),
    ],
)
def test_scan_names_that_do_not_fit_their_column_are_refused(
    fields: dict[str, Any], where: str, problem: str
) -> None:
    error = _refused(_bundle(**fields))
    assert error.location == where
    assert error.message.startswith(f"not a valid sordino bundle: {problem}")


def test_names_that_fit_exactly_are_kept() -> None:
    tags = {"k" * 255: "v" * 1024}
    bundle = load(
        io.BytesIO(json.dumps(_bundle(branch="b" * 255, tags=tags)).encode()), app="a"
    )
    assert (len(bundle.branch), bundle.tags) == (255, tags)


def test_nul_in_finding_text_is_left_to_ingest() -> None:
    finding = _finding(title="a\x00b", description="\x00")
    document = json.dumps(_bundle(findings=[finding])).encode()
    (record,) = load(io.BytesIO(document), app="a").findings
    assert record.title == "a\x00b"
