"""Findings queries: parameters to a typed ``FindingQuery``, and that to SQL.

App findings, org findings and compound findings share this module, so a
parameter means the same thing everywhere. Parsing collects every problem
and reports each one against the parameter that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select
from sqlalchemy.sql.elements import UnaryExpression

from sordino.common import parse_id
from sordino.findings.cache import Group
from sordino.findings.models import Finding, FindingTag
from sordino.findings.schemas import Diff, FindingQuery, Order, ScanRef
from sordino.findings.tags import COLUMN_TAGS

TYPES = frozenset(
    {"vuln", "secret", "extscan", "oss_vuln", "package", "container", "insight"}
)
SEVERITIES = {
    "critical": ("critical", "high"),
    "high": ("high",),
    "medium": ("medium",),
    "low": ("low",),
    "moderate": ("medium",),
    "info": ("low",),
}
STATUSES = {"unset": "", "fixed": "fixed", "ignored": "ignored", "3rdparty": "3rdparty"}
DIFFS: tuple[Diff, ...] = ("new", "regression", "common", "fixed")
FIELDS = frozenset({"-description", "-details", "-related_findings"})
MAX_PER_PAGE = 250
_SOURCE = re.compile(r"^(?:scan\.(?P<id>\d+)|tag\.(?P<key>[^=]+)=(?P<value>.*))$")
_TRUE = {"true", "1", "yes", ""}
_FALSE = {"false", "0", "no"}

Params = Sequence[tuple[str, str]]


class QueryError(ValueError):
    """Some parameters are not valid; ``problems`` names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Reader:
    """Reads repeated parameters and remembers what was wrong with them."""

    def __init__(self, params: Params) -> None:
        self.values: dict[str, list[str]] = {}
        for key, value in params:
            self.values.setdefault(key, []).append(value)
        self.problems: list[str] = []

    def all(self, name: str) -> list[str]:
        """Every non-blank value of ``name``, in order."""
        return [v.strip() for v in self.values.get(name, []) if v.strip()]

    def last(self, name: str) -> str | None:
        """The last value of ``name``, if given."""
        values = self.all(name)
        return values[-1] if values else None

    def fail(self, name: str, message: str) -> None:
        """Record a problem with parameter ``name``."""
        self.problems.append(f"{name}: {message}")

    def choices(self, name: str, allowed: Sequence[str] | frozenset[str]) -> list[str]:
        """Every value of ``name``, each checked against ``allowed``."""
        values = self.all(name)
        for value in values:
            if value not in allowed:
                self.fail(name, f"unknown value {value!r}")
        return [v for v in values if v in allowed]

    def flag(self, name: str) -> bool:
        """A boolean parameter; present without a value means true."""
        raw = self.values.get(name)
        if not raw:
            return False
        value = raw[-1].strip().lower()
        if value not in _TRUE | _FALSE:
            self.fail(name, f"expected true or false, got {raw[-1]!r}")
        return value in _TRUE

    def number(self, name: str, default: int, low: int, high: int) -> int:
        """An integer parameter within ``low..high``."""
        raw = self.last(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            self.fail(name, f"expected an integer from {low} to {high}, got {raw!r}")
            return default
        return int(raw)


def _pairs(reader: _Reader, name: str) -> list[tuple[str, str]]:
    pairs = []
    for value in reader.all(name):
        key, sep, tag_value = value.partition("=")
        if not sep or not key.strip():
            reader.fail(name, f"expected key=value, got {value!r}")
            continue
        pairs.append((key.strip(), tag_value.strip()))
    return pairs


def _source(reader: _Reader) -> ScanRef | None:
    raw = reader.last("source")
    if raw is None:
        return None
    match = _SOURCE.match(raw)
    if match is None:
        reader.fail("source", f"expected scan.<id> or tag.<key>=<value>, got {raw!r}")
        return None
    if match["id"] is not None:
        scan_id = parse_id(match["id"])
        if scan_id is None:
            reader.fail("source", f"expected a scan id that fits 64 bits, got {raw!r}")
            return None
        return ScanRef(scan_id=scan_id)
    return ScanRef(tags=((match["key"], match["value"]),))


def _statuses(reader: _Reader) -> tuple[str, ...]:
    chosen = reader.choices("status", (*STATUSES, "any"))
    if not chosen:
        return ("",)
    if "any" in chosen:
        return ()
    return tuple(sorted({STATUSES[s] for s in chosen}))


def _scan_id(reader: _Reader) -> int | None:
    raw = reader.last("scan")
    if raw is None:
        return None
    number = parse_id(raw)
    if number is None:
        reader.fail("scan", f"expected a scan id, got {raw!r}")
    return number


def parse(params: Params, *, sorts: Sequence[str] | None = None) -> FindingQuery:
    """A ``FindingQuery`` from query parameters; ``QueryError`` lists bad ones."""
    reader = _Reader(params)
    severities = reader.choices("severity", tuple(SEVERITIES))
    tags: dict[str, tuple[str, ...]] = {}
    for key, value in _pairs(reader, "finding_tags"):
        tags[key] = (*tags.get(key, ()), value)
    assignment = reader.last("assignment")
    if assignment not in (None, "assigned", "unassigned"):
        reader.fail(
            "assignment", f"expected assigned or unassigned, got {assignment!r}"
        )
        assignment = None
    diff = reader.choices("diff", DIFFS)
    source = _source(reader)
    if diff and source is None and "source" not in " ".join(reader.problems):
        reader.fail("source", "a diff needs a source scan (scan.<id> or tag.<k>=<v>)")
    sort = reader.last("sort") or "id"
    if sort not in (sorts or SORTS):
        reader.fail("sort", f"cannot sort by {sort!r}")
        sort = "id"
    order = reader.last("order") or "desc"
    if order not in ("asc", "desc"):
        reader.fail("order", f"expected asc or desc, got {order!r}")
        order = "desc"
    query = FindingQuery(
        types=tuple(reader.choices("type", TYPES)),
        severities=tuple(sorted({s for name in severities for s in SEVERITIES[name]})),
        scan_tags=tuple(_pairs(reader, "tags")),
        finding_tags=tags,
        assignees=tuple(reader.all("assignee")),
        assignment=cast(Any, assignment),
        categories=tuple(reader.all("category")),
        details_tags=tuple(reader.all("details_tags")),
        statuses=_statuses(reader),
        search=tuple(reader.all("search")),
        sort=sort,
        order=cast(Order, order),
        only_counts=reader.flag("only_counts"),
        page=reader.number("page", 1, 1, 10**9),
        per_page=reader.number("per_page", 50, 1, MAX_PER_PAGE),
        version=reader.last("version"),
        scan_id=_scan_id(reader),
        source=source,
        diff=cast(Diff, diff[-1] if diff else "new") if source else None,
        exclude=tuple(reader.choices("fields", FIELDS)),
        include_dataflows=reader.flag("include_dataflows"),
    )
    if reader.problems:
        raise QueryError(reader.problems)
    return query


def flag(params: Params, name: str) -> bool:
    """One boolean parameter on its own; ``QueryError`` when it is not one."""
    reader = _Reader(params)
    value = reader.flag(name)
    if reader.problems:
        raise QueryError(reader.problems)
    return value


# Filters ---------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _tag_filter(key: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    """One finding tag key: any of ``values`` (column tags use the column)."""
    if key in COLUMN_TAGS:
        column = getattr(Finding, COLUMN_TAGS[key])
        return cast(ColumnElement[bool], column.in_(values))
    if key == "cvss_31_severity_rating":
        return or_(*(_rating(v) for v in values))
    if key == "cvss_score":
        scores = [float(v) for v in values if _is_number(v)]
        return Finding.cvss_score.in_(scores) if scores else false()
    return exists().where(
        FindingTag.finding_id == Finding.id,
        FindingTag.key == key,
        FindingTag.value.in_(values),
    )


def _rating(value: str) -> ColumnElement[bool]:
    bands = {"critical": (9.0, 11.0), "high": (7.0, 9.0), "medium": (4.0, 7.0)}
    if value == "low":
        return Finding.cvss_score < 4.0
    if value not in bands:
        return false()
    low, high = bands[value]
    return and_(Finding.cvss_score >= low, Finding.cvss_score < high)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _search(text: str) -> ColumnElement[bool]:
    pattern = _like(text)
    columns = (
        Finding.title,
        Finding.description,
        Finding.category,
        Finding.cwe,
        Finding.owasp_category,
        Finding.language,
        Finding.severity,
    )
    return or_(
        *(func.lower(c).like(pattern, escape="\\") for c in columns),
        exists().where(
            FindingTag.finding_id == Finding.id,
            func.lower(FindingTag.value).like(pattern, escape="\\"),
        ),
    )


def _details_tags(values: tuple[str, ...]) -> ColumnElement[bool]:
    text = func.lower(Finding.details["tags"].as_string())
    return or_(*(text.like(_like(v), escape="\\") for v in values))


def conditions(query: FindingQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions on ``findings`` that ``query`` asks for."""
    where: list[ColumnElement[bool]] = []
    simple: list[tuple[tuple[str, ...], Any]] = [
        (query.types, Finding.type),
        (query.severities, Finding.severity),
        (query.assignees, Finding.assignee),
        (query.categories, Finding.category),
        (query.statuses, Finding.status),
    ]
    where += [column.in_(values) for values, column in simple if values]
    if query.assignment == "assigned":
        where.append(Finding.assignee != "")
    elif query.assignment == "unassigned":
        where.append(Finding.assignee == "")
    where += [_tag_filter(k, v) for k, v in query.finding_tags.items()]
    if query.details_tags:
        where.append(_details_tags(query.details_tags))
    if query.search:
        where.append(or_(*(_search(text) for text in query.search)))
    return where


# Filters on cached groups ----------------------------------------------------

# Finding tags kept in a column that cached groups carry.
_GROUP_TAGS = {"severity", "category", "owasp_category", "language"}


def group_filter(query: FindingQuery) -> Callable[[Group], bool] | None:
    """The filters of ``query`` as a test on cached groups, if they all fit.

    It mirrors ``conditions``; None when a filter needs columns or rows the
    groups do not carry (other tags, details tags, search).
    """
    if query.details_tags or query.search:
        return None
    if any(COLUMN_TAGS.get(k) not in _GROUP_TAGS for k in query.finding_tags):
        return None
    chosen: list[tuple[str, tuple[str, ...]]] = [
        ("type", query.types),
        ("severity", query.severities),
        ("assignee", query.assignees),
        ("category", query.categories),
        ("status", query.statuses),
    ]
    chosen += [(COLUMN_TAGS[k], v) for k, v in query.finding_tags.items()]
    tests = [(name, frozenset(values)) for name, values in chosen if values]
    assignment = query.assignment

    def test(group: Group) -> bool:
        if assignment is not None and (group.assignee != "") != (
            assignment == "assigned"
        ):
            return False
        return all(getattr(group, name) in values for name, values in tests)

    return test


# Sorting ---------------------------------------------------------------------

SEVERITY_RANK = case(
    {"critical": 4, "high": 3, "medium": 2, "low": 1}, value=Finding.severity, else_=0
)
SORT_KEYS: dict[str, Callable[[], Any]] = {
    "id": lambda: Finding.id,
    "severity": lambda: SEVERITY_RANK,
    "cvss_score": lambda: Finding.cvss_score,
    "category": lambda: Finding.category,
    "created_at": lambda: Finding.created_at,
    "title": lambda: Finding.title,
    "status": lambda: Finding.status,
    "assignee": lambda: Finding.assignee,
    "type": lambda: Finding.type,
}
SORTS = tuple(SORT_KEYS)


def order_by(
    query: FindingQuery, id_column: Any = Finding.id
) -> list[UnaryExpression[Any]]:
    """The ORDER BY of ``query``, with the id as the tie-breaker.

    ``id_column`` stands for the finding id, e.g. ``occurrences.finding_id``
    so that the database can walk that index in order instead of sorting.
    """
    direction = "desc" if query.order == "desc" else "asc"
    keys = [id_column if query.sort == "id" else SORT_KEYS[query.sort]()]
    if query.sort != "id":
        keys.append(id_column)
    return [getattr(key, direction)() for key in keys]


def count_of(statement: Any) -> Any:
    """``SELECT count(*)`` over a statement's rows."""
    return select(func.count()).select_from(statement.order_by(None).subquery())
