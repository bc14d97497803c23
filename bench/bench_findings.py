"""Benchmark: the findings query surface on 1,000,000 findings across 200 apps.

Prints p50/p99 of 50-item pages with up to three filters, the time of a bulk
status change on 10,000 findings, and follows every ``next_page`` of a
100,000-finding app checking that each finding comes exactly once.

    python bench/bench_findings.py                       # SQLite, 1,000,000
    SORDINO_BENCH_FINDINGS=50000 python bench/bench_findings.py   # quick check
    SORDINO_BENCH_DATABASE_URL=postgresql+psycopg://... python bench/...
    SORDINO_BENCH_ORG=0 ...     # skip org-wide pages (slow on SQLite at 1M)

Data is written with batched Core inserts (the same shapes ingest writes);
requests go through the real app in process.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import sordino.models  # noqa: F401  (registers every table)
from sordino.api.app import create_app
from sordino.apps.models import App
from sordino.config import Settings
from sordino.db import Database, bulk_insert, table_of, utcnow
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.orgs import service as orgs
from sordino.scans.models import Scan, ScanTag

KEY = "bench-signing-key-not-secret-0123456789"
APPS = 200
SEVERITIES = ("critical", "high", "medium", "low")
CATEGORIES = ("XSS", "SQL Injection", "Remote Code Execution", "Open Redirect")
FRAMEWORKS = ("flask", "django", "express", "spring")
BATCH = 10_000


def _database_url(tmp: Path) -> tuple[str, Any]:
    base = os.environ.get("SORDINO_BENCH_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    name = f"sordino_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return str(make_url(base).set(database=name)), drop


def _stamp(db: Database) -> Any:
    now = utcnow()
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else now


def _finding_row(
    org_id: str, app_pk: int, scan_id: int, n: int, now: Any
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "app_pk": app_pk,
        "internal_id": f"bench.rule{n % 50}/{app_pk:04d}{n:08d}",
        "type": "vuln" if n % 10 else "secret",
        "rule_id": f"bench.rule{n % 50}",
        "title": f"Finding {n} of app {app_pk}",
        "description": "A generated finding for the benchmark",
        "severity": SEVERITIES[n % 4],
        "cvss_score": float(n % 100) / 10,
        "category": CATEGORIES[n % 4],
        "owasp_category": "a1-injection",
        "owasp_2021_category": "a03-injection",
        "cwe": str(79 + n % 5),
        "language": "python",
        "engine": "bench",
        "status": "",
        "assignee": "dev@example.com" if n % 7 == 0 else "",
        "file": f"src/m{n % 300}.py",
        "line": n % 500,
        "details": "{}",
        "dataflow": "[]",
        "remediation": "",
        "fixes": "[]",
        "version_first_seen": "v1",
        "scan_first_seen": scan_id,
        "scan_last_seen": scan_id,
        "created_at": now,
    }


def _scan(db: Database, org_id: str, app_pk: int) -> int:
    with db.session() as session:
        scan = Scan(org_id=org_id, app_pk=app_pk, version="v1", branch="main")
        scan.tags = {"branch": "main"}
        session.add(scan)
        session.flush()
        session.add(ScanTag(scan_id=scan.id, key="branch", value="main"))
        return scan.id


def _fill_app(db: Database, org_id: str, app_pk: int, count: int) -> int:
    scan_id = _scan(db, org_id, app_pk)
    now = _stamp(db)
    with db.engine.begin() as connection:
        for start in range(0, count, BATCH):
            rows = [
                _finding_row(org_id, app_pk, scan_id, n, now)
                for n in range(start, min(count, start + BATCH))
            ]
            bulk_insert(connection, table_of(Finding), rows)
        ids = [
            r[0]
            for r in connection.execute(
                text("SELECT id FROM findings WHERE app_pk = :a"), {"a": app_pk}
            )
        ]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            occurrences = [
                {"scan_id": scan_id, "finding_id": i, "line": 1, "regression": False}
                for i in chunk
            ]
            bulk_insert(connection, table_of(Occurrence), occurrences)
            tags = [
                {"finding_id": i, "key": "framework", "value": FRAMEWORKS[i % 4]}
                for i in chunk
            ]
            bulk_insert(connection, table_of(FindingTag), tags)
    return scan_id


def generate(db: Database, total: int) -> tuple[str, str, list[str]]:
    """An org with ``APPS`` apps; the first holds a tenth of all findings."""
    with db.session() as session:
        made = orgs.create(
            session, name="bench", email="bench@example.com", key=KEY, issuer="sordino"
        )
        org_id, token = made.org.id, made.token.value
        apps = [
            App(org_id=org_id, app_id=f"app-{i:03d}", name=f"app {i}")
            for i in range(APPS)
        ]
        session.add_all(apps)
        session.flush()
        pks = [(a.pk, a.app_id) for a in apps]
    big = total // 10
    rest = (total - big) // (APPS - 1)
    started = time.perf_counter()
    for index, (pk, _app_id) in enumerate(pks):
        _fill_app(db, org_id, pk, big if index == 0 else rest)
    # VACUUM as autovacuum would have by then: PostgreSQL's index-only scans
    # need the visibility map of freshly loaded tables.
    analyze = "ANALYZE" if db.is_sqlite else "VACUUM ANALYZE"
    with db.engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as connection:
        connection.execute(text(analyze))
    print(
        f"generated {big + rest * (APPS - 1):,} findings in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return org_id, token, [app_id for _pk, app_id in pks]


FILTERS: list[dict[str, Any]] = [
    {},
    {"severity": "high"},
    {"category": "XSS", "status": "any"},
    {"finding_tags": "framework=flask", "severity": "critical", "status": "any"},
    {"type": "vuln", "assignment": "assigned", "sort": "severity"},
    {"finding_tags": "category=SQL Injection", "order": "asc", "status": "any"},
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _report(label: str, timings: list[float]) -> None:
    print(
        f"{label}: p50 {_percentile(timings, 0.5):.1f} ms, "
        f"p99 {_percentile(timings, 0.99):.1f} ms over {len(timings)} requests"
    )


def first_views(
    client: TestClient, base: str, headers: dict[str, str], apps: list[str]
) -> None:
    """The first page of every app, which counts and caches its scan summary."""
    timings = []
    for app in apps:
        started = time.perf_counter()
        response = client.get(
            f"{base}/apps/{app}/findings", params={"per_page": 50}, headers=headers
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    _report("first page of each app (summary not cached yet)", timings)


def page_latency(
    client: TestClient, base: str, headers: dict[str, str], apps: list[str]
) -> None:
    """p50 and p99 of one 50-item page, with zero to three filters."""
    rng = random.Random(7)
    timings = []
    for _ in range(300):
        app = rng.choice(apps)
        params = {**rng.choice(FILTERS), "per_page": 50, "page": rng.randint(1, 3)}
        started = time.perf_counter()
        response = client.get(
            f"{base}/apps/{app}/findings", params=params, headers=headers
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    print(
        f"app findings page (50, <=3 filters): p50 {_percentile(timings, 0.5):.1f} ms, "
        f"p99 {_percentile(timings, 0.99):.1f} ms over {len(timings)} requests"
    )


def org_latency(client: TestClient, base: str, headers: dict[str, str]) -> None:
    """p50 and p99 of an org-wide findings page."""
    timings = []
    for params in FILTERS[:4]:
        started = time.perf_counter()
        response = client.get(
            f"{base}/findings", params={**params, "per_page": 50}, headers=headers
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    print(
        f"org findings page (50): p50 {_percentile(timings, 0.5):.1f} ms, "
        f"p99 {_percentile(timings, 0.99):.1f} ms over {len(timings)} requests"
    )


def bulk_status(
    client: TestClient, base: str, headers: dict[str, str], db: Database, app: str
) -> None:
    """Time one status change on 10,000 findings of the big app."""
    with db.engine.connect() as connection:
        ids = [
            r[0]
            for r in connection.execute(
                text(
                    "SELECT f.id FROM findings f JOIN apps a ON a.pk = f.app_pk "
                    "WHERE a.app_id = :a ORDER BY f.id LIMIT 10000"
                ),
                {"a": app},
            )
        ]
    body = {"findings": ids, "status": "ignore", "optional_comment": "bench"}
    started = time.perf_counter()
    response = client.put(
        f"{base}/apps/{app}/findings_status",
        content=json.dumps(body),
        headers={**headers, "content-type": "application/json"},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    print(f"bulk status change of {len(ids):,} findings: {elapsed:.2f} s")


def follow_pages(
    client: TestClient, base: str, headers: dict[str, str], app: str, expected: int
) -> None:
    """Follow every next_page of the big app; each finding must come once."""
    url: str | None = f"{base}/apps/{app}/findings?status=any&per_page=50"
    seen: set[int] = set()
    met = pages = 0
    started = time.perf_counter()
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        found = [int(f["id"]) for f in body["response"].get("findings", [])]
        seen.update(found)
        met += len(found)
        pages += 1
        url = body.get("next_page")
    elapsed = time.perf_counter() - started
    verdict = "exactly once" if met == len(seen) == expected else "MISMATCH"
    print(
        f"followed {pages} pages of {app}: {met:,} findings, {len(seen):,} distinct, "
        f"expected {expected:,} -> {verdict} ({elapsed:.1f} s)"
    )
    if verdict != "exactly once":
        sys.exit(1)


def main() -> None:
    """Generate the data set and print every figure."""
    total = int(os.environ.get("SORDINO_BENCH_FINDINGS", "1000000"))
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database_url(Path(tmp))
        settings = Settings(
            data_dir=Path(tmp),
            database_url=url,
            secret_key=KEY,
            log_format="json",
            log_level="WARNING",
            immediate_jobs=True,
        )
        try:
            app = create_app(settings)
            db: Database = app.state.db
            print(
                f"database: {db.engine.dialect.name}, findings: {total:,}, apps: {APPS}"
            )
            org_id, token, apps = generate(db, total)
            headers = {"Authorization": f"Bearer {token}"}
            base = f"/api/v4/orgs/{org_id}"
            with TestClient(app, base_url="http://bench") as client:
                first_views(client, base, headers, apps)
                page_latency(client, base, headers, apps)
                if os.environ.get("SORDINO_BENCH_ORG", "1") != "0":
                    org_latency(client, base, headers)
                bulk_status(client, base, headers, db, apps[0])
                follow_pages(client, base, headers, apps[0], total // 10)
            db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
