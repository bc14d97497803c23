"""Cached scan summaries: stored once, recounted after any change, race-safe."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from sordino.apps.models import App
from sordino.findings import cache, service, triage
from sordino.findings import query as fq
from sordino.findings.models import ScanSummary
from tests.api.findings_data import SECRET, SQLI, XSS, history, scan
from tests.conftest import Api

LIST = "/orgs/{org}/apps/shop/findings"


@contextmanager
def statements(api: Api) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)


def _grouping(seen: list[str]) -> list[str]:
    return [s for s in seen if "GROUP BY" in s]


def _ignore(api: Api, finding_id: int) -> None:
    actor = triage.Actor(api.org_id, api.user_id, "")
    with api.db.session() as session:
        app = session.scalar(select(App).where(App.org_id == api.org_id))
        assert app is not None
        triage.set_status(session, actor, app, [finding_id], "ignore")


def test_summary_is_counted_once_then_read_from_the_cache(api: Api) -> None:
    scan(api, [XSS, SQLI, SECRET])
    with statements(api) as first:
        cold = api.ok("GET", LIST)
    with statements(api) as second:
        warm = api.ok("GET", LIST)
    assert len(_grouping(first)) == 1
    assert _grouping(second) == []
    assert warm == cold
    assert warm["total_count"] == 3
    assert warm["scan"]["total"] == 3


def test_triage_change_is_seen_by_the_next_read(api: Api) -> None:
    made = history(api)
    before = api.ok("GET", LIST)["scan"]
    assert before["total_ignored"] == 0
    api.ok(
        "PUT",
        LIST + "/{}/status".format(made.ids["xss"]),
        json={"status": "ignore"},
    )
    after = api.ok("GET", LIST)
    assert after["scan"]["total_ignored"] == 1
    # The default listing leaves ignored findings out, from the cache too.
    assert after["total_count"] == before["total"] - 1
    ignored = api.ok("GET", LIST + "?status=ignored")
    assert [int(f["id"]) for f in ignored["findings"]] == [made.ids["xss"]]
    assert ignored["total_count"] == 1


def test_rescan_invalidates_older_scans_of_the_app(api: Api) -> None:
    first = scan(api, [XSS, SQLI])
    assert api.ok("GET", LIST + f"?scan={first}")["scan"]["total"] == 2
    # A rescan that re-reports a finding with another severity changes what
    # the older scan's summary says about it.
    scan(api, [XSS.model_copy(update={"severity": "low"}), SQLI])
    counts = api.ok("GET", LIST + f"?scan={first}")["counts"]
    severities = {c["value"] for c in counts if c["key"] == "severity"}
    assert severities == {"low", "high"}


def test_change_committed_while_counting_is_not_cached_as_current(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan_id = scan(api, [XSS, SQLI])
    ids = {f["title"]: int(f["id"]) for f in api.ok("GET", LIST)["findings"]}
    with api.db.session() as session:
        session.execute(ScanSummary.__table__.delete())
    real = cache.count_groups

    def count_then_race(session: Any, scan_ids: Any) -> Any:
        counted = real(session, scan_ids)
        _ignore(api, ids[XSS.title])  # commits after the count, before storing
        return counted

    monkeypatch.setattr(cache, "count_groups", count_then_race)
    with api.db.session() as session:
        raced = cache.cached_groups(session, [scan_id])[scan_id]
    monkeypatch.setattr(cache, "count_groups", real)
    assert sum(g.n for g in raced if g.status == "ignored") == 0
    with api.db.session() as session:
        fresh = cache.cached_groups(session, [scan_id])[scan_id]
    assert sum(g.n for g in fresh if g.status == "ignored") == 1


def _params(text: str) -> list[tuple[str, str]]:
    pairs = (part.partition("=") for part in text.split("&") if part)
    return [(key, value) for key, _, value in pairs]


QUERIES = [
    "",
    "status=any",
    "status=ignored",
    "severity=critical",
    "severity=critical&severity=medium&status=any",
    "type=secret&status=any",
    "category=XSS&status=any",
    "assignment=assigned&status=any",
    "assignment=unassigned",
    "assignee=dev@example.com&status=any",
    "finding_tags=category=XSS&finding_tags=language=python",
    "finding_tags=severity=high&type=vuln",
]


@pytest.mark.parametrize("params", QUERIES)
def test_cached_groups_answer_like_a_recount(api: Api, params: str) -> None:
    made = history(api)
    _ignore(api, made.ids["rce"])
    api.ok(
        "PUT",
        "/orgs/{org}/apps/shop/findings_assignment",
        json={
            "findings": [made.ids["xss"], made.ids["xss2"]],
            "assignee": "dev@example.com",
        },
    )
    query = fq.parse(_params(params))
    assert fq.group_filter(query) is not None
    with api.db.session() as session:
        app = session.scalar(select(App).where(App.org_id == api.org_id))
        assert app is not None
        target = made.scans[-1]
        cached = cache.cached_groups(session, [target])[target]
        test = fq.group_filter(query)
        assert test is not None
        chosen = [g for g in cached if test(g)]
        statement = service.scan_selection(app, target, query, None)
        fast = service.page(session, statement, query, {}, groups=chosen)
        slow = service.page(session, statement, query, {})
    assert fast == slow
    assert slow["total_count"] == len(slow["findings"])


def test_filters_beyond_the_grouped_columns_recount(api: Api) -> None:
    for params in ("finding_tags=framework=flask", "details_tags=sink", "search=x"):
        assert fq.group_filter(fq.parse(_params(params))) is None
