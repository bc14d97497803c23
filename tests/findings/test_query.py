"""Findings query parsing: scan references must name a storable scan id."""

from __future__ import annotations

import pytest

from sordino.common import MAX_ID
from sordino.findings.query import QueryError, parse


@pytest.mark.parametrize(
    "source", [f"scan.{MAX_ID + 1}", "scan.99999999999999999999999", "scan.\u0663"]
)
def test_source_scan_id_out_of_range_is_a_query_error(source: str) -> None:
    """A source scan id past 64 bits (or not ASCII) is refused, not sent to SQL."""
    with pytest.raises(QueryError) as caught:
        parse([("source", source)])
    assert any(problem.startswith("source:") for problem in caught.value.problems)


def test_source_scan_id_in_range_parses() -> None:
    """The largest storable id is still a valid reference."""
    query = parse([("source", f"scan.{MAX_ID}")])
    assert query.source is not None
    assert query.source.scan_id == MAX_ID
