"""Parameters of the compound findings listing (v2) and their SQL.

Scan selection, in order of precedence (a lower one is ignored when a higher
one is given): ``polyglot_scan``, ``scan_version``, ``scan_branch``,
``scan_tag`` (``key__eq__value``); without any, the latest polyglot scan.
``scan_platform`` and ``scan_language`` narrow it to some member scans and
cannot be given together; each takes one value (the reference's single
``ScanPlatform``/``ScanLanguage``, unlike the parameters it says may repeat), so
two different values are refused rather than one silently kept. Neither can
``finding_assignee`` and ``finding_assignment`` be given together. A selection
that matches no polyglot scan is answered 404, as an unknown ``polyglot_scan``.

``finding_tag`` is ``key__operator__value``; every query must hold. Operators
(aliases in brackets): ``equal`` [eq], ``not_equal`` [ne, neq], ``equal_fold``
[ieq], ``not_equal_fold`` [nieq, ineq, ine], ``contains`` [has],
``not_contains`` [nhas], ``contains_fold`` [ihas], ``not_contains_fold`` [nihas,
inhas], ``startswith`` [prefix], ``in`` / ``not_in`` [nin] / ``in_fold`` [iin] /
``not_in_fold`` [niin] (comma-separated lists), and on ``cvss_score`` the
numeric ``approx`` (within 0.09), ``lt``, ``lte``, ``gt``, ``gte`` (finite
numbers only). The ``_fold`` forms compare lower-cased text; the others are
case-sensitive on every database. A query matches a finding that has a tag of
that key whose value satisfies the operator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Integer, String, and_, case, exists, func, or_
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from sordino.common import parse_id
from sordino.compounds.platforms import SCAN_LANGUAGES, SCAN_PLATFORMS
from sordino.findings.models import Finding, FindingTag
from sordino.findings.query import Params, QueryError, _Reader
from sordino.findings.tags import COLUMN_TAGS

TYPES = ("vuln", "secret", "insight", "extscan", "oss_vuln", "container")
EXTRA_TYPES = ("security_issue", "package")
STATUSES = {"ignored": "ignored", "fixed": "fixed", "3rdparty": "3rdparty", "unset": ""}
SORTS = ("id", "title", "severity", "created_at")
MAX_TAG_QUERIES = 20
MAX_SEARCHES = 5
DEFAULT_COUNTS_EXCLUDE = ("cvss_score", "cve", "package_url", "oss_internal_id")
ALIASES = {
    "eq": "equal",
    "ne": "not_equal",
    "neq": "not_equal",
    "ieq": "equal_fold",
    "nieq": "not_equal_fold",
    "ineq": "not_equal_fold",
    "ine": "not_equal_fold",
    "has": "contains",
    "nhas": "not_contains",
    "ihas": "contains_fold",
    "nihas": "not_contains_fold",
    "inhas": "not_contains_fold",
    "prefix": "startswith",
    "nin": "not_in",
    "iin": "in_fold",
    "niin": "not_in_fold",
}
NUMERIC = frozenset({"approx", "lt", "lte", "gt", "gte"})
OPERATORS = frozenset(
    {
        "equal", "not_equal", "equal_fold", "not_equal_fold", "contains",
        "not_contains", "contains_fold", "not_contains_fold", "startswith", "in",
        "not_in", "in_fold", "not_in_fold",
    }
) | NUMERIC  # fmt: skip


@dataclass(frozen=True)
class TagQuery:
    """One ``finding_tag`` query with its operator resolved."""

    key: str
    operator: str
    value: str


@dataclass(frozen=True)
class CompoundQuery:
    """Every choice of a v2 compound findings listing."""

    polyglot_scan: int | None = None
    scan_version: str | None = None
    scan_branch: str | None = None
    scan_tag: tuple[str, str] | None = None
    scan_platform: str | None = None
    scan_language: str | None = None
    counts_exclude: tuple[str, ...] = DEFAULT_COUNTS_EXCLUDE
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    assignee: str | None = None
    assignment: Literal["assigned", "unassigned"] | None = None
    tag_queries: tuple[TagQuery, ...] = ()
    search: tuple[str, ...] = ()
    reachable: bool = False
    exploitable: bool = False
    has_ai_fix: bool = False
    sort: str = "id"
    order: Literal["asc", "desc"] = "desc"
    page: int = 1
    per_page: int = 50
    exclude: tuple[str, ...] = ()


def _tag_queries(reader: _Reader) -> tuple[TagQuery, ...]:
    raw = reader.all("finding_tag")
    if len(raw) > MAX_TAG_QUERIES:
        reader.fail("finding_tag", f"at most {MAX_TAG_QUERIES} tag queries")
    found = []
    for text in raw:
        key, _, rest = text.partition("__")
        operator, sep, value = rest.partition("__")
        operator = ALIASES.get(operator, operator)
        if not key or not sep:
            reader.fail("finding_tag", f"expected key__operator__value, got {text!r}")
        elif operator not in OPERATORS:
            reader.fail("finding_tag", f"unknown operator {operator!r} in {text!r}")
        elif operator in NUMERIC and key != "cvss_score":
            reader.fail("finding_tag", f"{operator} applies only to cvss_score")
        elif key == "cvss_score" and not _numeric_values(operator, value):
            reader.fail("finding_tag", f"cvss_score needs numbers, got {text!r}")
        else:
            found.append(TagQuery(key, operator, value))
    return tuple(found)


def _numeric_values(operator: str, value: str) -> bool:
    if operator not in NUMERIC | {"equal", "not_equal", "in", "not_in"}:
        return False
    try:
        numbers = [float(item) for item in value.split(",")]
    except ValueError:
        return False
    return all(math.isfinite(number) for number in numbers)


def _scan_tag(reader: _Reader) -> tuple[str, str] | None:
    raw = reader.last("scan_tag")
    if raw is None:
        return None
    key, sep, value = raw.partition("__eq__")
    if not sep or not key:
        reader.fail("scan_tag", f"expected key__eq__value, got {raw!r}")
        return None
    return key, value


def _one_of(reader: _Reader, name: str, allowed: frozenset[str]) -> str | None:
    given = list(dict.fromkeys(value.lower() for value in reader.all(name)))
    if len(given) > 1:
        reader.fail(name, f"takes one value, got {', '.join(map(repr, given))}")
        return None
    if given and given[0] not in allowed:
        reader.fail(name, f"unknown value {given[0]!r}")
        return None
    return given[0] if given else None


def _exclusive(reader: _Reader, first: str, second: str) -> None:
    if reader.all(first) and reader.all(second):
        reader.fail(first, f"cannot be given together with {second}")


def _counts_exclude(reader: _Reader) -> tuple[str, ...]:
    excluded = list(DEFAULT_COUNTS_EXCLUDE)
    for value in reader.values.get("counts_exclude", []):
        if not value.strip():
            excluded = []
        elif value.strip() not in excluded:
            excluded.append(value.strip())
    return tuple(excluded)


def _polyglot_scan(reader: _Reader) -> int | None:
    raw = reader.last("polyglot_scan")
    if raw is None:
        return None
    number = parse_id(raw)
    if number is None:
        reader.fail("polyglot_scan", f"expected a polyglot scan id, got {raw!r}")
    return number


def parse(params: Params) -> CompoundQuery:
    """A ``CompoundQuery`` from query parameters; ``QueryError`` lists bad ones."""
    reader = _Reader(params)
    _exclusive(reader, "scan_platform", "scan_language")
    _exclusive(reader, "finding_assignee", "finding_assignment")
    searches = [v.casefold() for v in reader.all("finding_search")]
    if len(searches) > MAX_SEARCHES:
        reader.fail("finding_search", f"at most {MAX_SEARCHES} searches")
    assignment = reader.choices("finding_assignment", ("assigned", "unassigned"))
    sort = reader.choices("finding_sort", SORTS)
    order = reader.choices("finding_order", ("asc", "desc"))
    statuses = reader.choices("finding_status", tuple(STATUSES))
    query = CompoundQuery(
        polyglot_scan=_polyglot_scan(reader),
        scan_version=reader.last("scan_version"),
        scan_branch=reader.last("scan_branch"),
        scan_tag=_scan_tag(reader),
        scan_platform=_one_of(reader, "scan_platform", SCAN_PLATFORMS),
        scan_language=_one_of(reader, "scan_language", SCAN_LANGUAGES),
        counts_exclude=_counts_exclude(reader),
        types=tuple(reader.choices("finding_type", TYPES + EXTRA_TYPES)),
        statuses=tuple(sorted({STATUSES[s] for s in statuses})),
        assignee=reader.last("finding_assignee"),
        assignment=cast(Any, assignment[-1] if assignment else None),
        tag_queries=_tag_queries(reader),
        search=tuple(searches),
        reachable=reader.flag("finding_reachable"),
        exploitable=reader.flag("finding_exploitable"),
        has_ai_fix=reader.flag("finding_has_ai_fix"),
        sort=sort[-1] if sort else "id",
        order=cast(Any, order[-1] if order else ("asc" if sort else "desc")),
        page=reader.number("page", 1, 1, 10**9),
        per_page=reader.number("per_page", 50, 1, 250),
        exclude=tuple(reader.choices("finding_fields", ("-description",))),
    )
    if reader.problems:
        raise QueryError(reader.problems)
    return query


# SQL ------------------------------------------------------------------------

RATING = case(
    (Finding.cvss_score >= 9.0, "critical"),
    (Finding.cvss_score >= 7.0, "high"),
    (Finding.cvss_score >= 4.0, "medium"),
    else_="low",
)


class Position(FunctionElement[int]):
    """``Position(text, needle)``: where ``needle`` first occurs (from 1), else 0.

    Case-sensitive on both databases, where LIKE ignores ASCII case on SQLite.
    """

    type = Integer()
    inherit_cache = True


@compiles(Position)
def _strpos(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(Position, "sqlite")
def _instr(element: Position, compiler: SQLCompiler, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_test(operator: str, value: str) -> Callable[[Any], ColumnElement[bool]]:
    """A predicate on a text expression for one (non-numeric) operator."""
    fold = operator.endswith("_fold")
    base = operator.removesuffix("_fold")
    items = [v.strip() for v in value.split(",")]
    wanted = value.lower() if fold else value
    pattern = f"%{_escape(wanted)}%"

    def prepare(column: Any) -> Any:
        return func.lower(column) if fold else column

    def contains(column: Any) -> ColumnElement[bool]:
        # LIKE folds ASCII case on SQLite: only the _fold forms may use it.
        if fold:
            return cast(ColumnElement[bool], prepare(column).like(pattern, escape="\\"))
        return Position(column, value) > 0

    tests: dict[str, Callable[[Any], ColumnElement[bool]]] = {
        "equal": lambda c: prepare(c) == wanted,
        "not_equal": lambda c: prepare(c) != wanted,
        "contains": contains,
        "not_contains": lambda c: ~contains(c),
        "startswith": lambda c: func.substr(c, 1, len(value)) == value,
        "in": lambda c: prepare(c).in_([i.lower() if fold else i for i in items]),
        "not_in": lambda c: prepare(c).not_in(
            [i.lower() if fold else i for i in items]
        ),
    }
    return tests[base]


def _numeric(query: TagQuery) -> ColumnElement[bool]:
    score = Finding.cvss_score
    numbers = [float(item) for item in query.value.split(",")]
    tests: dict[str, Callable[[], ColumnElement[bool]]] = {
        "approx": lambda: func.abs(score - numbers[0]) < 0.09,
        "lt": lambda: score < numbers[0],
        "lte": lambda: score <= numbers[0],
        "gt": lambda: score > numbers[0],
        "gte": lambda: score >= numbers[0],
        "equal": lambda: func.abs(score - numbers[0]) < 0.05,
        "not_equal": lambda: func.abs(score - numbers[0]) >= 0.05,
        "in": lambda: or_(*(func.abs(score - n) < 0.05 for n in numbers)),
        "not_in": lambda: and_(*(func.abs(score - n) >= 0.05 for n in numbers)),
    }
    return tests[query.operator]()


def tag_condition(query: TagQuery) -> ColumnElement[bool]:
    """The WHERE condition of one ``finding_tag`` query."""
    if query.key == "cvss_score":
        return _numeric(query)
    test = _text_test(query.operator, query.value)
    if query.key in COLUMN_TAGS:
        column = getattr(Finding, COLUMN_TAGS[query.key])
        return and_(column != "", test(column))
    if query.key in ("cvss_31_severity_rating", "cvss_31_severity_ratings"):
        return test(RATING)
    return exists().where(
        FindingTag.finding_id == Finding.id,
        FindingTag.key == query.key,
        test(FindingTag.value),
    )


def _tag_is(key: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    return exists().where(
        FindingTag.finding_id == Finding.id,
        FindingTag.key == key,
        func.lower(FindingTag.value).in_(values),
    )


def _search(text: str) -> ColumnElement[bool]:
    pattern = f"%{_escape(text)}%"
    return or_(
        func.lower(Finding.title).like(pattern, escape="\\"),
        func.lower(Finding.description).like(pattern, escape="\\"),
    )


def conditions(query: CompoundQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions on ``findings`` of a compound query."""
    where: list[ColumnElement[bool]] = []
    if query.types:
        where.append(Finding.type.in_(query.types))
    if query.statuses:
        where.append(Finding.status.in_(query.statuses))
    if query.assignee is not None:
        where.append(func.lower(Finding.assignee) == query.assignee.lower())
    if query.assignment is not None:
        assigned = Finding.assignee != ""
        where.append(assigned if query.assignment == "assigned" else ~assigned)
    where += [tag_condition(tag) for tag in query.tag_queries]
    where += [_search(text) for text in query.search]
    if query.reachable:
        where.append(
            or_(Finding.reachable.is_(True), _tag_is("reachability", ("reachable",)))
        )
    if query.exploitable:
        where.append(_tag_is("exploitable", ("true", "yes", "1")))
    if query.has_ai_fix:
        where.append(sql_cast(Finding.fixes, String).not_in(["[]", "null", ""]))
    return where


SEVERITY_RANK = case(
    {"critical": 4, "high": 3, "medium": 2, "low": 1}, value=Finding.severity, else_=0
)
SORT_KEYS: dict[str, Any] = {
    "id": Finding.id,
    "title": Finding.title,
    "severity": SEVERITY_RANK,
    "created_at": Finding.created_at,
}


def order_by(query: CompoundQuery) -> list[Any]:
    """ORDER BY of the query, the id breaking ties."""
    keys = [SORT_KEYS[query.sort]] + ([Finding.id] if query.sort != "id" else [])
    return [key.desc() if query.order == "desc" else key.asc() for key in keys]
