"""Compound findings v2 (#40), v1 (#39), SARIF (#95) and bundle uploads."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select, update

from sordino.apps.models import App
from sordino.findings.models import Finding
from sordino.importers import load
from sordino.importers.validate import validate_sarif
from tests.api import compound_data as data
from tests.conftest import Api

V2 = "/orgs/{org}/compounds/byname/shop/findings"


@pytest.fixture
def shop(api: Api) -> Api:
    """The sample compound with one polyglot scan; two findings triaged."""
    data.store(api.db, api.org_id)
    with api.db.session() as session:
        session.execute(
            update(Finding)
            .where(Finding.org_id == api.org_id, Finding.rule_id == "python.md5")
            .values(status="ignored")
        )
        session.execute(
            update(Finding)
            .where(Finding.org_id == api.org_id, Finding.rule_id == "java.sqli")
            .values(assignee="dev@example.com")
        )
    return api


def _total(api: Api, query: str = "") -> int:
    body = api.ok("GET", V2 + ("?" + query if query else ""))
    assert body["total_count"] >= len(body["findings"])
    return int(body["total_count"])


def _rules(api: Api, query: str) -> list[str]:
    return [
        f["internal_id"].split("/")[0]
        for f in api.ok("GET", V2 + "?" + query)["findings"]
    ]


def _bad(api: Api, query: str) -> Any:
    response = api.get(V2 + "?" + query)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_FAILED"
    return response.json()


def test_default_lists_every_finding_of_the_latest_polyglot_scan(shop: Api) -> None:
    body = shop.ok("GET", V2)
    assert body["total_count"] == 8
    assert len(body["polyglot_scan"]["scans"]) == 5
    assert body["has_more"] is False


def test_scan_selection_and_precedence(shop: Api) -> None:
    first = shop.ok("GET", V2)["polyglot_scan"]["polyglot_scan_id"]
    go_only = [f for f in data.findings() if f.language == "go"]
    data.store(
        shop.db, shop.org_id, version="v2", branch="dev", findings=go_only,
        tags={"env": "prod"},
    )  # fmt: skip
    assert _total(shop) == 1
    assert _total(shop, f"polyglot_scan={first}") == 8
    assert _total(shop, "scan_version=v1") == 8
    assert _total(shop, "scan_version=v2") == 1
    assert _total(shop, "scan_branch=main") == 8
    assert _total(shop, "scan_tag=env__eq__prod") == 1
    # A higher-precedence selector wins; the lower one is ignored.
    assert _total(shop, f"polyglot_scan={first}&scan_version=v2") == 8
    assert _total(shop, "scan_version=v1&scan_branch=dev") == 8
    assert _total(shop, "scan_branch=main&scan_tag=env__eq__prod") == 8
    _bad(shop, "scan_tag=env=prod")
    _bad(shop, "polyglot_scan=abc")


@pytest.mark.parametrize(
    "selection",
    [
        "polyglot_scan=999999",
        "scan_version=nope",
        "scan_branch=nope",
        "scan_tag=env__eq__nope",
        "polyglot_scan=999999&scan_version=v1",
    ],
)
def test_a_selection_matching_no_polyglot_scan_is_not_found(
    shop: Api, selection: str
) -> None:
    # Findings, packages and SARIF read the one selected polyglot scan alike.
    for path in (V2, "/orgs/{org}/compounds/named/shop/sca/packages"):
        response = shop.get(path + "?" + selection)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "NOT_FOUND"
    sarif = shop.get("/orgs/{org}/compounds/named/shop/reports/sarif?" + selection)
    assert sarif.status_code == 404


def test_scan_platform_and_language(shop: Api) -> None:
    assert _total(shop, "scan_platform=pythonsrc") == 3
    assert _total(shop, "scan_platform=python") == 3
    assert _total(shop, "scan_platform=terraform_hcl") == 1
    assert _total(shop, "scan_language=go") == 1
    assert _total(shop, "scan_language=javascript") == 2
    problems = _bad(shop, "scan_platform=go&scan_language=go")["validation_errors"]
    assert any("scan_language" in p for p in problems)
    _bad(shop, "scan_platform=cobol")
    # One platform or language (the reference's single value), said any times.
    assert _total(shop, "scan_platform=go&scan_platform=GO") == 1
    for repeated in (
        "scan_platform=pythonsrc&scan_platform=jssrc",
        "scan_language=go&scan_language=java",
    ):
        problems = _bad(shop, repeated)["validation_errors"]
        assert [p.split(":")[0] for p in problems] == [repeated.split("=")[0]]
    sarif = shop.get(
        "/orgs/{org}/compounds/named/shop/reports/sarif"
        "?scan_platform=pythonsrc&scan_platform=jssrc"
    )
    assert sarif.status_code == 400


def test_finding_type_status_and_assignment(shop: Api) -> None:
    assert _total(shop, "finding_type=secret") == 1
    assert _total(shop, "finding_type=vuln&finding_type=extscan") == 6
    _bad(shop, "finding_type=bogus")
    assert _rules(shop, "finding_status=ignored") == ["python.md5"]
    assert _total(shop, "finding_status=unset") == 7
    assert _rules(shop, "finding_assignee=dev@example.com") == ["java.sqli"]
    assert _total(shop, "finding_assignment=assigned") == 1
    assert _total(shop, "finding_assignment=unassigned") == 7
    _bad(shop, "finding_assignee=dev@example.com&finding_assignment=assigned")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("category__eq__XSS", 1),
        ("category__equal__XSS", 1),
        ("category__neq__SQL Injection", 6),
        ("category__ieq__sql injection", 2),
        ("category__nieq__sql injection", 6),
        ("category__contains__Inj", 2),
        ("category__not_contains__Inj", 6),
        ("category__ihas__inj", 2),
        ("category__nihas__inj", 6),
        ("category__startswith__Sec", 2),
        # Only the _fold forms ignore case, on every database.
        ("category__has__injection", 0),
        ("category__contains__injection", 0),
        ("category__contains__SQL Inj", 2),
        ("category__nhas__injection", 8),
        ("category__not_contains__injection", 8),
        ("category__startswith__sec", 0),
        ("category__prefix__SEC", 0),
        ("category__prefix__Sec", 2),
        ("category__ihas__INJECTION", 2),
        ("category__nihas__INJECTION", 6),
        ("framework__has__Express", 0),
        ("framework__ihas__Express", 1),
        ("framework__startswith__Ex", 0),
        ("framework__has__xpr", 1),
        ("cvss_31_severity_rating__has__HIGH", 0),
        ("cvss_31_severity_rating__ihas__HIGH", 4),
        # LIKE's wildcards are plain characters here.
        ("category__has__%", 0),
        ("category__has___", 0),
        ("category__startswith__%", 0),
        ("category__in__XSS,Misc", 2),
        ("category__not_in__XSS,Misc", 6),
        ("category__in_fold__xss,misc", 2),
        ("category__niin__xss,misc", 6),
        ("cvss_score__gte__7.5", 4),
        ("cvss_score__gt__7.5", 2),
        ("cvss_score__lt__2.1", 1),
        ("cvss_score__lte__5.3", 2),
        ("cvss_score__approx__7.4", 1),
        ("cvss_score__eq__9.8", 2),
        ("cvss_31_severity_rating__eq__high", 4),
        ("framework__eq__express", 1),
        ("reachability__eq__unreachable", 1),
        ("language__eq__go", 1),
    ],
)
def test_finding_tag_operators(shop: Api, tag: str, expected: int) -> None:
    assert _total(shop, f"finding_tag={tag}") == expected


def test_finding_tag_queries_combine_and_fail_clearly(shop: Api) -> None:
    both = (
        "finding_tag=category__eq__SQL Injection&finding_tag=language__eq__javascript"
    )
    assert _rules(shop, both) == ["javascript.sqli"]
    _bad(shop, "finding_tag=category__like__x")
    _bad(shop, "finding_tag=category__gt__3")
    _bad(shop, "finding_tag=cvss_score__contains__9")
    for number in ("nan", "inf", "-inf", "NaN", "infinity", "1,nan"):
        for operator in ("gt", "lt", "approx", "eq", "in"):
            problems = _bad(shop, f"finding_tag=cvss_score__{operator}__{number}")
            assert problems["validation_errors"][0].startswith("finding_tag:")
    _bad(shop, "finding_tag=nooperator")
    _bad(shop, "&".join(["finding_tag=category__eq__x"] * 21))


def test_finding_search(shop: Api) -> None:
    assert _rules(shop, "finding_search=md5") == ["python.md5"]
    assert _rules(shop, "finding_search=BROKEN") == ["python.md5"]
    assert _rules(shop, "finding_search=sql&finding_search=PYTHON") == ["python.sqli"]
    _bad(shop, "&".join(f"finding_search=t{i}" for i in range(6)))


def test_reachable_exploitable_and_ai_fix(shop: Api) -> None:
    assert _rules(shop, "finding_reachable=true") == ["python.sqli"]
    assert _rules(shop, "finding_exploitable=true") == ["GHSA-lodash"]
    assert _rules(shop, "finding_has_ai_fix=true") == ["python.sqli"]
    assert _total(shop, "finding_reachable=false") == 8
    _bad(shop, "finding_reachable=maybe")


def test_sort_order_paging_and_fields(shop: Api) -> None:
    ids = [int(f["id"]) for f in shop.ok("GET", V2)["findings"]]
    assert ids == sorted(ids, reverse=True)
    ascending = shop.ok("GET", V2 + "?finding_sort=severity")["findings"]
    assert ascending[0]["severity"] == "low"
    assert ascending[-1]["severity"] == "critical"
    titles = [
        f["title"]
        for f in shop.ok("GET", V2 + "?finding_sort=title&finding_order=desc")[
            "findings"
        ]
    ]
    assert titles == sorted(titles, reverse=True)
    page = shop.get(V2 + "?per_page=3").json()
    assert len(page["response"]["findings"]) == 3
    assert page["response"]["has_more"] is True
    assert "page=2" in page["next_page"]
    last = shop.get(V2 + "?per_page=3&page=3").json()
    assert len(last["response"]["findings"]) == 2
    assert "next_page" not in last
    _bad(shop, "per_page=251")
    assert _total(shop, "per_page=250") == 8
    trimmed = shop.ok("GET", V2 + "?finding_fields=-description")["findings"]
    assert all("description" not in f for f in trimmed)
    _bad(shop, "finding_sort=cvss")


def test_value_counts_and_counts_exclude(shop: Api) -> None:
    counts = {c["key"]: c["value_counts"] for c in shop.ok("GET", V2)["counts"]}
    assert counts["finding_type"] == {
        "extscan": 1,
        "oss_vuln": 1,
        "secret": 1,
        "vuln": 5,
    }
    assert counts["cvss_31_severity_ratings"] == {
        "critical": 2,
        "high": 4,
        "low": 1,
        "medium": 1,
    }
    assert "cvss_score" not in counts
    everything = shop.ok("GET", V2 + "?counts_exclude=")["counts"]
    assert "cvss_score" in {c["key"] for c in everything}
    fewer = shop.ok("GET", V2 + "?counts_exclude=category")["counts"]
    assert {"category", "cvss_score"}.isdisjoint({c["key"] for c in fewer})
    filtered = shop.ok("GET", V2 + "?finding_type=secret")["counts"]
    assert {c["key"]: c["value_counts"] for c in filtered}["finding_type"] == {
        "secret": 1
    }


def test_v1_listing(shop: Api) -> None:
    path = "/orgs/{org}/compounds/named/shop/findings"
    body = shop.ok("GET", path)
    assert body["total_count"] == 7  # v1 lists open findings by default
    assert body["scan"]["app"] == "shop"
    assert shop.ok("GET", path + "?type=secret")["total_count"] == 1
    assert shop.ok("GET", path + "?status=any")["total_count"] == 8
    polyglot = body["scan"]["id"]
    assert shop.ok("GET", path + f"?scan={polyglot}")["scan"]["id"] == polyglot
    assert shop.get(path + "?scan=999999").status_code == 404
    assert shop.get(path + "?severity=extreme").status_code == 400


def _member_prints(api: Api) -> dict[str, str]:
    """internal_id -> member app id of every finding of the sample compound."""
    with api.db.session() as session:
        rows = session.execute(
            select(Finding.internal_id, App.app_id)
            .join(App, App.pk == Finding.app_pk)
            .where(Finding.org_id == api.org_id, App.compound_id.is_not(None))
        ).all()
    return dict(rows)


def test_sarif_export(shop: Api) -> None:
    response = shop.get("/orgs/{org}/compounds/named/shop/reports/sarif")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sarif+json")
    assert response.headers["x-sarif-parts"] == "1"
    log = response.json()
    assert validate_sarif(log) == []
    assert len(log["runs"]) == 5
    assert sum(len(run["results"]) for run in log["runs"]) == 8
    go = shop.get("/orgs/{org}/compounds/named/shop/reports/sarif?scan_language=go")
    assert [len(run["results"]) for run in go.json()["runs"]] == [1]


def test_sarif_export_is_the_shared_exporter_one_run_per_member(shop: Api) -> None:
    log = shop.get("/orgs/{org}/compounds/named/shop/reports/sarif").json()
    members = _member_prints(shop)
    ids = [run["automationDetails"]["id"] for run in log["runs"]]
    # One run per member app, each named after it and its scan: no part
    # numbers, since no member needed more than one run.
    categories = [i.rsplit("/", 1) for i in ids]
    assert sorted(c for c, _ in categories) == sorted(
        f"sordino/{a}" for a in set(members.values())
    )
    assert all(scan.isdigit() for _, scan in categories)
    for run in log["runs"]:
        member = run["automationDetails"]["id"].split("/")[1]
        prints = {
            r["partialFingerprints"]["sordinoInternalId/v1"] for r in run["results"]
        }
        assert prints == {p for p, app in members.items() if app == member}
        rules = run["tool"]["driver"]["rules"]
        assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    results = [r for run in log["runs"] for r in run["results"]]
    suppressed = [r["ruleId"] for r in results if "suppressions" in r]
    assert suppressed == ["python.md5"]
    assert (
        shop.get(
            "/orgs/{org}/compounds/named/shop/reports/sarif", params={"part": 2}
        ).status_code
        == 404
    )


def test_sarif_export_round_trips_through_the_importer(shop: Api) -> None:
    raw = shop.get("/orgs/{org}/compounds/named/shop/reports/sarif").content

    bundle = load(io.BytesIO(raw), app="shop", strict=True)

    assert {r.fingerprint for r in bundle.findings} == set(_member_prints(shop))
    by_rule = {r.rule_id.removeprefix("sordino/"): r for r in bundle.findings}
    assert by_rule["python.md5"].suppressed is True
    assert (by_rule["go.sqli"].file, by_rule["go.sqli"].line) == ("go/main.go", 10)


def test_sarif_export_selects_the_polyglot_scan(api: Api) -> None:
    first = data.store(api.db, api.org_id)
    go_only = [f for f in data.findings() if f.language == "go"]
    data.store(api.db, api.org_id, version="v2", findings=go_only)
    path = "/orgs/{org}/compounds/named/shop/reports/sarif"

    def results(params: dict[str, Any]) -> int:
        log = api.get(path, params=params).json()
        return sum(len(run["results"]) for run in log["runs"])

    assert results({}) == 1
    assert results({"polyglot_scan": first}) == 8
    # Python's member scan: two rules in python/app.py and the secret found there.
    assert results({"scan_version": "v1", "scan_platform": "python"}) == 3
    assert api.get(path, params={"polyglot_scan": 999999}).status_code == 404
    assert api.get(path, params={"part": 0}).status_code == 400
    assert api.get("/orgs/{org}/compounds/named/nope/reports/sarif").status_code == 404


def test_bundle_upload(api: Api) -> None:
    path = "/orgs/{org}/compounds/named/shop/scans"
    body = data.bundle().model_dump_json().encode()
    stored = api.ok(
        "POST", path, content=body, headers={"content-type": "application/json"}
    )
    assert len(stored["compound"]["apps"]) == 5
    assert stored["polyglot_scan"]["secrets"] == 1
    assert _total(api) == 8
    empty = api.post(path, content=b"")
    assert empty.status_code == 400
    broken = api.post(path, content=b"{not json")
    assert broken.status_code == 400
    guest = api.as_role("GUEST")
    assert guest.post(path, content=body).status_code == 403
