"""Uploads and triage at the same time lose nothing and duplicate nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from sordino.findings.models import Finding, Occurrence
from sordino.ingest.bundle import FindingRecord, ScanBundle
from tests.conftest import Api

# Two rounds of two simultaneous uploads; every loop below is bounded.
ROUNDS = 3
WORKERS = 2


def _bundle(app: str, rules: range, version: str) -> dict[str, Any]:
    findings = [
        FindingRecord(
            rule_id=f"py.rule{n % 7}",
            title=f"finding {n}",
            file=f"src/m{n % 13}.py",
            line=n,
            snippet=f"call_{n}(data)",
        )
        for n in rules
    ]
    return ScanBundle(app=app, version=version, findings=findings).model_dump(
        mode="json"
    )


def _upload(api: Api, app: str, body: dict[str, Any]) -> Any:
    response = api.post(f"/orgs/{{org}}/apps/{app}/scans", json=body)
    assert response.status_code == 200, response.text
    return response.json()["response"]


def _stored(api: Api) -> tuple[int, int, dict[int, int]]:
    """Findings of the org, repeated (app, internal id) pairs, occurrences per scan."""
    with api.db.session() as session:
        total = session.scalar(select(func.count()).where(Finding.org_id == api.org_id))
        repeated = session.execute(
            select(Finding.app_pk, Finding.internal_id)
            .where(Finding.org_id == api.org_id)
            .group_by(Finding.app_pk, Finding.internal_id)
            .having(func.count() > 1)
        ).all()
        per_scan = session.execute(
            select(Occurrence.scan_id, func.count())
            .join(Finding, Finding.id == Occurrence.finding_id)
            .where(Finding.org_id == api.org_id)
            .group_by(Occurrence.scan_id)
        ).all()
    return int(total or 0), len(repeated), {int(k): int(v) for k, v in per_scan}


def test_two_uploads_of_one_new_app_at_once(api: Api) -> None:
    """Overlapping uploads keep one finding per fingerprint and every occurrence."""
    expected: dict[int, int] = {}
    for round_number in range(ROUNDS):
        app = f"racer{round_number}"
        # The two scans share findings 0..199; each has 100 of its own.
        bodies = [
            _bundle(app, range(300), "a"),
            _bundle(app, [*range(200), *range(300, 400)], "b"),  # type: ignore[arg-type]
        ]
        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(_upload, [api, api], [app, app], bodies))
        for result in results:
            expected[int(result["scan"]["id"])] = 300
        assert sorted(r["new"] for r in results) in ([100, 300], [0, 300])
        assert sum(r["new"] for r in results) == 400
    total, repeated, per_scan = _stored(api)
    assert (total, repeated) == (400 * ROUNDS, 0)
    assert per_scan == expected


def test_triage_racing_a_rescan_keeps_every_change(api: Api) -> None:
    """Status changes made while the same findings are re-ingested all stay."""
    app = "triaged"
    _upload(api, app, _bundle(app, range(120), "v1"))
    listing = api.ok("GET", f"/orgs/{{org}}/apps/{app}/findings?per_page=250")
    ids = sorted(int(f["id"]) for f in listing["findings"])
    assert len(ids) == 120

    def triage(finding_id: int) -> int:
        body = {"status": "ignored" if finding_id % 2 else "fixed"}
        path = f"/orgs/{{org}}/apps/{app}/findings/{finding_id}/status"
        return int(api.put(path, json=body).status_code)

    with ThreadPoolExecutor(WORKERS + 1) as pool:
        rescans = [
            pool.submit(_upload, api, app, _bundle(app, range(120), f"v{n}"))
            for n in (2, 3)
        ]
        statuses = list(pool.map(triage, ids))
        for rescan in rescans:
            assert rescan.result()["new"] == 0
    assert statuses == [200] * len(ids)
    with api.db.session() as session:
        stored = dict(
            session.execute(
                select(Finding.id, Finding.status).where(Finding.id.in_(ids))
            ).all()
        )
    assert stored == {i: ("ignored" if i % 2 else "fixed") for i in ids}
