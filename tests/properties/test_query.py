"""Query parameters: any combination parses or fails with the parser's own error,
and valid combinations come back as the values they spell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sordino.compounds import query as compound_query
from sordino.findings import query as findings_query
from sordino.findings.query import QueryError

FINDING_NAMES = [
    "type", "severity", "tags", "finding_tags", "assignee", "assignment", "category",
    "details_tags", "status", "search", "sort", "order", "only_counts", "page",
    "per_page", "version", "scan", "source", "diff", "fields", "include_dataflows",
]  # fmt: skip
COMPOUND_NAMES = [
    "polyglot_scan", "scan_version", "scan_branch", "scan_tag", "scan_platform",
    "scan_language", "counts_exclude", "finding_type", "finding_status",
    "finding_assignee", "finding_assignment", "finding_tag", "finding_search",
    "finding_reachable", "finding_exploitable", "finding_has_ai_fix",
    "finding_sort", "finding_order", "page", "per_page", "finding_fields",
]  # fmt: skip
# Values near the edges the parsers check: numbers in other scripts, signs,
# separators, booleans, operators.
TRICKY = st.sampled_from(
    [
        "", " ", "0", "1", "-1", "250", "251", "1e3", "²", "٣", "\uff11", "true", "no",
        "maybe", "scan.", "scan.12", "tag.=", "tag.k=v", "k=v", "=v", "a__eq__b",
        "cvss_score__gt__7", "cvss_score__gt__x", "k__bogus__v", "__eq__", "asc",
        "DESC", "critical", "info", "any", "-description", "new", "\x00", "é",
    ]
)  # fmt: skip
VALUES = st.one_of(TRICKY, st.text(max_size=12))


def _params(names: list[str]) -> Any:
    name = st.one_of(st.sampled_from(names), st.text(max_size=6))
    return st.lists(st.tuples(name, VALUES), max_size=12)


def _outcome(parse: Callable[[Any], Any], params: Any) -> tuple[Any, list[str]]:
    """The parsed query, or None and the problems the parser named."""
    try:
        return parse(params), []
    except QueryError as exc:
        return None, exc.problems


@given(_params(FINDING_NAMES))
def test_findings_parser_raises_only_query_errors(
    params: list[tuple[str, str]],
) -> None:
    """Any parameters give a query or a ``QueryError`` naming each problem."""
    parsed, problems = _outcome(findings_query.parse, params)
    if parsed is None:
        known = {name.strip() for name, _ in params} | {"source"}
        assert problems
        assert all(problem.split(":", 1)[0] in known for problem in problems)
    else:
        assert 1 <= parsed.per_page <= findings_query.MAX_PER_PAGE
        assert parsed.page >= 1


@given(_params(COMPOUND_NAMES))
def test_compound_parser_raises_only_query_errors(
    params: list[tuple[str, str]],
) -> None:
    """The v2 compound parser never fails with anything but a ``QueryError``."""
    parsed, problems = _outcome(compound_query.parse, params)
    if parsed is None:
        assert problems
    else:
        assert 1 <= parsed.per_page <= 250
        assert len(parsed.tag_queries) <= compound_query.MAX_TAG_QUERIES


TEXT = st.text(alphabet="abcdefXYZ0123-_.", min_size=1, max_size=8)
PAIR = st.tuples(TEXT, TEXT)
# A tag key may not hold "__": it separates the key from the operator.
KEY = st.text(alphabet="abcdefXYZ0123-.", min_size=1, max_size=8)


@st.composite
def finding_params(draw: st.DrawFn) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Valid findings parameters and the query fields they should produce."""
    types = draw(st.lists(st.sampled_from(sorted(findings_query.TYPES)), max_size=3))
    severities = draw(st.lists(st.sampled_from(["high", "medium", "low"]), max_size=3))
    tags = draw(st.lists(PAIR, max_size=3))
    scan_tags = draw(st.lists(PAIR, max_size=2))
    statuses = draw(
        st.lists(st.sampled_from(["unset", "fixed", "ignored"]), max_size=2)
    )
    page = draw(st.integers(1, 10**6))
    per_page = draw(st.integers(1, findings_query.MAX_PER_PAGE))
    sort = draw(st.sampled_from(findings_query.SORTS))
    order = draw(st.sampled_from(["asc", "desc"]))
    scan = draw(st.none() | st.integers(0, 10**9))
    params = [("type", t) for t in types] + [("severity", s) for s in severities]
    params += [("finding_tags", f"{k}={v}") for k, v in tags]
    params += [("tags", f"{k}={v}") for k, v in scan_tags]
    params += [("status", s) for s in statuses]
    params += [("page", str(page)), ("per_page", str(per_page))]
    params += [("sort", sort), ("order", order)]
    if scan is not None:
        params.append(("scan", str(scan)))
    finding_tags: dict[str, tuple[str, ...]] = {}
    for key, value in tags:
        finding_tags[key] = (*finding_tags.get(key, ()), value)
    expected = {
        "types": tuple(types),
        "severities": tuple(sorted(set(severities))),
        "finding_tags": finding_tags,
        "scan_tags": tuple(scan_tags),
        "statuses": tuple(sorted({findings_query.STATUSES[s] for s in statuses}))
        or ("",),
        "page": page,
        "per_page": per_page,
        "sort": sort,
        "order": order,
        "scan_id": scan,
    }
    return params, expected


@given(finding_params())
def test_valid_findings_parameters_round_trip(
    case: tuple[list[tuple[str, str]], dict[str, Any]],
) -> None:
    """Each valid parameter lands in its query field."""
    params, expected = case
    parsed = findings_query.parse(params)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name


OPERATORS = sorted(compound_query.OPERATORS - compound_query.NUMERIC)


@st.composite
def compound_params(draw: st.DrawFn) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Valid v2 compound parameters and the query fields they should produce."""
    types = draw(st.lists(st.sampled_from(compound_query.TYPES), max_size=3))
    tag_queries = draw(
        st.lists(st.tuples(KEY, st.sampled_from(OPERATORS), TEXT), max_size=4)
    )
    aliases = {v: k for k, v in compound_query.ALIASES.items()}
    spelled = [
        (k, draw(st.sampled_from([op, aliases.get(op, op)])), v)
        for k, op, v in tag_queries
        if k != "cvss_score"
    ]
    scan = draw(st.none() | st.integers(1, 10**9))
    sort = draw(st.sampled_from(compound_query.SORTS))
    params = [("finding_type", t) for t in types]
    params += [("finding_tag", f"{k}__{op}__{v}") for k, op, v in spelled]
    params += [("finding_sort", sort), ("page", "3")]
    if scan is not None:
        params.append(("polyglot_scan", str(scan)))
    expected = {
        "types": tuple(types),
        "tag_queries": tuple(
            compound_query.TagQuery(k, op, v)
            for k, op, v in tag_queries
            if k != "cvss_score"
        ),
        "polyglot_scan": scan,
        "sort": sort,
        "order": "asc",
        "page": 3,
    }
    return params, expected


@given(compound_params())
def test_valid_compound_parameters_round_trip(
    case: tuple[list[tuple[str, str]], dict[str, Any]],
) -> None:
    """Operator aliases resolve and every value lands in its field."""
    params, expected = case
    parsed = compound_query.parse(params)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name
