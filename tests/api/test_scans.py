"""Scan list, detail, branches and OWASP counts over HTTP."""

from __future__ import annotations

from sqlalchemy import update

from sordino.scans.models import Scan
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api


def test_list_scans_newest_first_with_summaries(api: Api) -> None:
    first = add_scan(api.db, api.org_id, [sqli()])
    second = add_scan(api.db, api.org_id, [sqli(), xss()], branch="dev")

    scans = api.ok("GET", "/orgs/{org}/apps/shop/scans")["scans"]

    assert [s["id"] for s in scans] == [second["scan"], first["scan"]]
    newest = scans[0]
    assert newest["total"] == 2
    assert newest["tags"] == {"branch": "dev"}
    vuln = next(s for s in newest["findings_summaries"] if s["finding_type"] == "vuln")
    assert vuln["total"] == 2
    assert vuln["by_category"]["SQL Injection"]["total"] == 1
    for entry in newest["counts"]:
        assert set(entry) == {"finding_type", "key", "value", "count"}
    assert {"finding_type": "vuln", "key": "category", "value": "XSS", "count": 1} in (
        newest["counts"]
    )


def test_list_scans_filters_by_tag_and_limits(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], branch="main")
    dev = add_scan(api.db, api.org_id, [xss()], branch="dev")
    add_scan(api.db, api.org_id, [xss()], branch="main")

    only_dev = api.ok(
        "GET", "/orgs/{org}/apps/shop/scans", params={"tags": "branch=dev"}
    )
    assert [s["id"] for s in only_dev["scans"]] == [dev["scan"]]
    either = api.ok(
        "GET",
        "/orgs/{org}/apps/shop/scans",
        params=[("tags", "branch=dev"), ("tags", "branch=main")],
    )
    assert len(either["scans"]) == 3
    limited = api.ok("GET", "/orgs/{org}/apps/shop/scans", params={"limit": 1})
    assert len(limited["scans"]) == 1


def test_list_scans_status_filter_matches_the_status_field(api: Api) -> None:
    done = add_scan(api.db, api.org_id, [sqli()])["scan"]
    partial = add_scan(api.db, api.org_id, [sqli()])["scan"]
    broken = add_scan(api.db, api.org_id, [sqli()])["scan"]
    waiting = add_scan(api.db, api.org_id, [sqli()])["scan"]
    with api.db.session() as session:
        # Completed with an engine missing: completed, not successful.
        session.execute(
            update(Scan).where(Scan.id == int(partial)).values(successful=False)
        )
        session.execute(
            update(Scan)
            .where(Scan.id == int(broken))
            .values(status="failed", successful=False)
        )
        session.execute(
            update(Scan).where(Scan.id == int(waiting)).values(status="queued")
        )

    def listed(status: str) -> list[tuple[str, str]]:
        found = api.ok("GET", f"/orgs/{{org}}/apps/shop/scans?status={status}")
        return [(s["id"], s["status"]) for s in found["scans"]]

    assert listed("completed") == [(partial, "completed"), (done, "completed")]
    assert listed("failed") == [(broken, "failed")]
    assert listed("running") == [(waiting, "queued")]
    assert api.get("/orgs/{org}/apps/shop/scans?status=done").status_code == 400


def test_list_scans_rejects_bad_parameters(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()])
    for params in ({"limit": 0}, {"limit": 51}, {"tags": "no-equals-sign"}):
        response = api.get("/orgs/{org}/apps/shop/scans", params=params)
        assert response.status_code == 400
        assert set(response.json()) == {"ok", "code", "message", "validation_errors"}


def test_scan_detail_is_a_one_element_list(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])

    detail = api.ok("GET", f"/orgs/{{org}}/apps/shop/scans/{made['scan']}")

    assert isinstance(detail, list)
    assert len(detail) == 1
    assert detail[0]["id"] == made["scan"]
    assert detail[0]["total"] == 3
    assert detail[0]["completed_at"]


def test_unknown_scan_and_other_org_are_404(api: Api, other_api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli()])
    assert api.get("/orgs/{org}/apps/shop/scans/999999").status_code == 404
    assert api.get("/orgs/{org}/apps/shop/scans/abc").status_code == 404
    add_scan(other_api.db, other_api.org_id, [xss()])
    stolen = other_api.get(f"/orgs/{{org}}/apps/shop/scans/{made['scan']}")
    assert stolen.status_code == 404
    assert stolen.json()["code"] == "NOT_FOUND"


def test_scanbranches_counts_scans_per_branch(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], branch="main")
    add_scan(api.db, api.org_id, [sqli()], branch="main")
    add_scan(api.db, api.org_id, [sqli()], branch="dev")

    branches = api.ok("GET", "/orgs/{org}/apps/shop/scanbranches")

    by_name = {b["branch_name"]: b for b in branches}
    assert by_name["main"]["scan_count"] == 2
    assert by_name["dev"]["scan_count"] == 1
    assert by_name["main"]["first_scan"] <= by_name["main"]["last_scan"]
    assert by_name["main"]["created_at"].endswith("Z")


def test_owasp_counts_fill_the_reference_tree(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])

    counts = api.ok("GET", f"/orgs/{{org}}/apps/shop/scans/{made['scan']}/owasp_counts")

    assert counts["2017"]["a1-injection"]["SQL Injection"] == 1
    assert counts["2017"]["a7-cross-site-scripting"]["Cross-Site Scripting"] == 1
    assert counts["2017"]["a3-sensitive-data-exposure"]["Weak Hash"] == 1
    assert counts["2017"]["a4-xml-external-entities"] == {"XML External Entities": 0}
    assert counts["2021"]["a03-injection"]["SQL Injection"] == 1
    assert counts["2021"]["a03-injection"]["Cross-Site Scripting"] == 1
    assert counts["2021"]["a02-cryptographic-failures"]["Weak Hash"] == 1
    assert counts["2021"]["a06-vulnerable-and-outdated-components"] == {}
    assert counts["2025"]["a05-injection"]["SQL Injection"] == 1
    assert counts["2025"]["a04-cryptographic-failures"]["Weak Hash"] == 1


def test_branches_lists_scanned_branches(api: Api) -> None:
    add_scan(api.db, api.org_id, [sqli()], branch="main")
    add_scan(api.db, api.org_id, [sqli()], branch="feature")

    listed = api.ok("GET", "/orgs/{org}/apps/branches", params={"app": "shop"})

    assert listed[0]["id"] == "shop"
    assert set(listed[0]["branches"]) == {"main", "feature"}


def test_scan_ids_past_64_bits_or_not_ascii_are_404(api: Api) -> None:
    """Ids the database cannot hold, or spelt in other scripts, name no scan."""
    made = add_scan(api.db, api.org_id, [sqli()])
    fullwidth = "".join(chr(0xFF10 + int(digit)) for digit in made["scan"])
    for scan_id in ("99999999999999999999999", str(2**63), fullwidth, "-1"):
        for tail in ("", "/owasp_counts", "/reports/owasp-2021.html", "/sbom"):
            response = api.get(f"/orgs/{{org}}/apps/shop/scans/{scan_id}{tail}")
            assert response.status_code == 404, (scan_id, tail)
            assert set(response.json()) == {
                "ok",
                "code",
                "message",
                "validation_errors",
            }
    compare = api.get(
        "/orgs/{org}/apps/shop/scans/compare",
        params={
            "source": "scan.99999999999999999999999",
            "target": f"scan.{made['scan']}",
        },
    )
    assert 400 <= compare.status_code < 500


def test_first_scanned_branch_becomes_the_default(api: Api) -> None:
    first = add_scan(api.db, api.org_id, [sqli()], branch="main")
    second = add_scan(api.db, api.org_id, [sqli()], branch="feature")
    app = api.ok("GET", "/orgs/{org}/apps/shop")
    assert app["default_branch"] == "main"
    listed = api.ok("GET", "/orgs/{org}/apps/shop/scans")["scans"]
    scans = {s["id"]: s for s in listed}
    assert scans[first["scan"]]["is_default_branch"] is True
    assert scans[second["scan"]]["is_default_branch"] is False
