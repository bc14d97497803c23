"""Triage: status, assignment, comments, fixes; history and rescans."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from sordino.findings.models import Comment, Finding, TriageEvent
from tests.api.findings_data import (
    APP,
    SECRET,
    SQLI,
    XSS,
    XSS2,
    History,
    history,
    scan,
)
from tests.conftest import Api

URL = f"/orgs/{{org}}/apps/{APP}"


@contextmanager
def statements(api: Api) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []
    engine = api.db.engine

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def events(api: Api, finding_id: int) -> list[tuple[str, str, str, str]]:
    with api.db.session() as session:
        rows = session.execute(
            select(
                TriageEvent.field,
                TriageEvent.old_value,
                TriageEvent.new_value,
                TriageEvent.user_id,
            )
            .where(TriageEvent.finding_id == finding_id)
            .order_by(TriageEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def finding(api: Api, finding_id: int) -> dict[str, Any]:
    body = api.ok("GET", f"{URL}/findings/{finding_id}")
    assert isinstance(body, dict)
    return body


def test_status_change_records_history_and_comment(api: Api) -> None:
    ids = history(api).ids
    api.ok(
        "PUT",
        f"{URL}/findings/{ids['xss']}/status",
        json={"status": "ignore", "optional_comment": "test fixture"},
    )
    assert finding(api, ids["xss"])["status"] == "ignored"
    api.ok("PUT", f"{URL}/findings/{ids['xss']}/status", json={"status": ""})
    assert finding(api, ids["xss"])["status"] == "unset"
    assert events(api, ids["xss"]) == [
        ("status", "", "ignored", api.user_id),
        ("status", "ignored", "", api.user_id),
    ]
    thread = api.ok("GET", f"{URL}/findings/{ids['xss']}/comments")
    assert [c["comment"] for c in thread] == ["test fixture"]
    assert thread[0]["finding_id"] == str(ids["xss"])


def test_codeviolation_values_and_unknown_status(api: Api) -> None:
    ids = history(api).ids
    path = f"{URL}/findings/{ids['rce']}/status"
    api.ok("PUT", path, json={"status": "codeviolationfixed"})
    assert finding(api, ids["rce"])["status"] == "fixed"
    api.ok("PUT", path, json={"status": "codeviolationremovestatus"})
    assert finding(api, ids["rce"])["status"] == "unset"
    bad = api.put(path, json={"status": "done"})
    assert bad.status_code == 400
    assert bad.json()["validation_errors"][0].startswith("status:")
    assert (
        api.put(f"{URL}/findings/999999/status", json={"status": "fixed"}).status_code
        == 404
    )


def test_oversized_triage_text_is_refused_and_changes_nothing(api: Api) -> None:
    ids = history(api).ids
    huge = "x" * (2 * 1024 * 1024)
    for method, path, body in (
        ("PUT", "status", {"status": "fixed", "optional_comment": huge}),
        ("PUT", "assignment", {"assignee": huge}),
        ("POST", "comments", {"comment": huge}),
    ):
        refused = api.request(method, f"{URL}/findings/{ids['xss']}/{path}", json=body)
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["ok"] is False
    after = finding(api, ids["xss"])
    assert (after["status"], after.get("assignee") or "") == ("unset", "")
    assert api.ok("GET", f"{URL}/findings/{ids['xss']}/comments") == []


def test_bulk_status_is_all_or_nothing(api: Api) -> None:
    ids = history(api).ids
    path = f"{URL}/findings_status"
    refused = api.put(path, json={"findings": [ids["xss"], 999999], "status": "fixed"})
    assert refused.status_code == 404
    assert "999999" in refused.json()["message"]
    assert finding(api, ids["xss"])["status"] == "unset"
    wanted = [ids["xss"], ids["rce"]]
    api.ok("PUT", path, json={"findings": wanted, "status": "fixed"})
    assert [finding(api, i)["status"] for i in wanted] == ["fixed", "fixed"]


def test_bulk_status_statements_do_not_grow_with_n(api: Api) -> None:
    many = [XSS.model_copy(update={"line": n, "snippet": f"x{n}"}) for n in range(120)]
    scan(api, many, app="big")
    with api.db.session() as session:
        ids = list(
            session.scalars(select(Finding.id).where(Finding.org_id == api.org_id))
        )
    path = "/orgs/{org}/apps/big/findings_status"
    counts = []
    for size in (5, 120):
        body = {"findings": ids[:size], "status": "ignore", "optional_comment": "bulk"}
        with statements(api) as seen:
            api.ok("PUT", path, json=body)
        counts.append(len(seen))
        api.ok("PUT", path, json={"findings": ids[:size], "status": ""})
    assert counts[0] == counts[1] <= 12
    with api.db.session() as session:
        comments = session.scalars(select(Comment).where(Comment.finding_id.in_(ids)))
        assert len(list(comments)) == 125


def test_bulk_assignment_and_single_assignment(api: Api) -> None:
    ids = history(api).ids
    body = {"findings": [ids["xss"], ids["xss2"]], "assignee": "a@example.com"}
    api.ok("PUT", f"{URL}/findings_assignment", json=body)
    assert finding(api, ids["xss2"])["assignee"] == "a@example.com"
    assert events(api, ids["xss2"]) == [("assignee", "", "a@example.com", api.user_id)]
    bad = api.put(
        f"{URL}/findings/{ids['xss']}/assignment", json={"assignee": "nobody"}
    )
    assert bad.status_code == 400
    refused = api.put(
        f"{URL}/findings_assignment", json={"findings": [424242], "assignee": ""}
    )
    assert refused.status_code == 404
    assert finding(api, ids["xss"])["assignee"] == "a@example.com"


def test_guest_cannot_change_status(api: Api) -> None:
    ids = history(api).ids
    guest = api.as_role("GUEST")
    response = guest.put(
        f"{URL}/findings/{ids['xss']}/status", json={"status": "fixed"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert finding(api, ids["xss"])["status"] == "unset"


def test_triage_survives_rescan_and_gone_then_back_is_regression(api: Api) -> None:
    data: History = history(api)
    ids = data.ids
    api.ok("PUT", f"{URL}/findings/{ids['xss2']}/status", json={"status": "3rdparty"})
    api.ok(
        "PUT", f"{URL}/findings/{ids['xss2']}/assignment", json={"assignee": "b@x.io"}
    )
    fourth = scan(api, [XSS, SQLI, SECRET, XSS.model_copy(update={"title": "t"})])
    found = api.ok("GET", f"{URL}/findings", params={"scan": fourth, "status": "any"})
    assert ids["sqli"] in [int(f["id"]) for f in found["findings"]]
    back = api.ok(
        "GET",
        f"{URL}/findings",
        params={"source": f"scan.{data.scans[2]}", "diff": "regression"},
    )
    assert sorted(int(f["id"]) for f in back["findings"]) == sorted(
        [ids["sqli"], ids["secret"]]
    )
    returned = scan(api, [XSS2])
    again = api.ok("GET", f"{URL}/findings", params={"scan": returned, "status": "any"})
    assert [(int(f["id"]), f["status"], f["assignee"]) for f in again["findings"]] == [
        (ids["xss2"], "3rdparty", "b@x.io")
    ]


def test_comments_owner_and_lookup(api: Api, other_api: Api) -> None:
    ids = history(api).ids
    member = api.as_role("MEMBER", email="member@example.com")
    path = f"{URL}/findings/{ids['sqli']}/comments"
    made = member.ok("POST", path, json={"comment": "looks real"})
    assert made["owner"] == {"email": "member@example.com", "name": "MEMBER"}
    assert (made["app_id"], made["org_id"]) == (APP, api.org_id)
    assert api.ok("GET", f"{path}/{made['id']}")["comment"] == "looks real"
    assert api.get(f"{path}/999999").status_code == 404
    assert api.post(path, json={"comment": ""}).status_code == 400
    assert other_api.get(path.replace("{org}", api.org_id)).status_code == 404


def test_recommended_fix_and_fixes(api: Api) -> None:
    ids = history(api).ids
    fix = api.ok("GET", f"{URL}/findings/{ids['xss']}/recommended_fix")
    assert fix["fix"] == "Escape the value before rendering it."
    missing = api.get(f"{URL}/findings/{ids['rce']}/recommended_fix")
    assert missing.status_code == 404
    assert set(missing.json()) == {"ok", "code", "message", "validation_errors"}
    proposed = api.ok("GET", f"{URL}/findings/{ids['sqli']}/fixes")
    assert proposed["finding_id"] == ids["sqli"]
    assert "cur.execute(q, a)" in proposed["fix"]
    assert api.get(f"{URL}/findings/{ids['xss']}/fixes").status_code == 404


def test_single_finding_shape_and_dataflow(api: Api) -> None:
    ids = history(api).ids
    plain = finding(api, ids["xss"])
    assert (plain["id"], plain["app"]) == (str(ids["xss"]), APP)
    assert "/" in plain["internal_id"]
    flows = api.ok(
        "GET", f"{URL}/findings/{ids['xss']}", params={"include_dataflows": "true"}
    )
    assert len(flows["details"]["dataflow"]["list"]) == 2
    assert api.get(f"{URL}/findings/abc").status_code == 404
