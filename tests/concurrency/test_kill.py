"""The server killed (SIGKILL) in the middle of a big ingest leaves the whole scan
or none of it: a request commits once, at its end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sordino.db import Database
from sordino.findings.models import Occurrence
from sordino.orgs import service as orgs
from sordino.scans.models import Scan
from tests.conftest import TEST_KEY

RESULTS = 20_000
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sarif(results: int) -> bytes:
    """A SARIF log with ``results`` distinct results of one tool."""
    items = [
        {
            "ruleId": f"kill.rule{n % 5}",
            "level": "warning",
            "message": {"text": f"result {n}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"src/f{n % 400}.py"},
                        "region": {"startLine": n + 1, "snippet": {"text": f"x{n}()"}},
                    }
                }
            ],
        }
        for n in range(results)
    ]
    run = {"tool": {"driver": {"name": "killtest"}}, "results": items}
    return json.dumps({"version": "2.1.0", "runs": [run]}).encode()


def _serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SORDINO_DATABASE_URL": url,
        "SORDINO_SECRET_KEY": TEST_KEY,
        "SORDINO_DATA_DIR": str(data_dir),
        "SORDINO_LOG_LEVEL": "WARNING",
        "SORDINO_IMMEDIATE_JOBS": "true",
    }
    sordino = str(Path(sys.executable).with_name("sordino"))
    command = [sordino, "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("sordino serve did not start")


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[tuple[Database, str, str]]:
    """A migrated SQLite database with an org; yields it, its org and a token."""
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    db = Database(url, pooled=False)
    db.upgrade()
    with db.session() as session:
        made = orgs.create(
            session, name="kill", email="k@example.com", key=TEST_KEY, issuer="sordino"
        )
        org_id, token = made.org.id, made.token.value
    yield db, org_id, token
    db.engine.dispose()


def _scans(db: Database) -> list[tuple[int, int]]:
    """Every scan with its number of occurrences."""
    with db.session() as session:
        rows = session.execute(
            select(Scan.id, func.count(Occurrence.finding_id))
            .outerjoin(Occurrence, Occurrence.scan_id == Scan.id)
            .group_by(Scan.id)
        ).all()
    return [(int(scan), int(count)) for scan, count in rows]


@pytest.mark.parametrize("delay", [0.5, 2.5])
def test_killed_during_ingest_leaves_all_or_nothing(
    sqlite_server: tuple[Database, str, str], tmp_path: Path, delay: float
) -> None:
    """After SIGKILL the scan is absent or complete; a restart serves again."""
    db, org_id, token = sqlite_server
    port = _free_port()
    process = _serve(db.url, tmp_path, port)
    base = f"http://127.0.0.1:{port}/api/v4/orgs/{org_id}/apps/big/scans/sarif"
    headers = {"Authorization": f"Bearer {token}"}
    outcome: dict[str, Any] = {}

    def upload() -> None:
        try:
            outcome["status"] = httpx.post(
                base, content=_sarif(RESULTS), headers=headers, timeout=120
            ).status_code
        except httpx.TransportError as exc:
            outcome["error"] = type(exc).__name__

    sender = threading.Thread(target=upload)
    sender.start()
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    sender.join(timeout=120)
    assert outcome, "the upload neither finished nor failed"
    scans = _scans(db)
    assert scans in ([], [(scans[0][0] if scans else 0, RESULTS)]), scans
    if outcome.get("status") == 200:
        assert len(scans) == 1
    restarted = _serve(db.url, tmp_path, port)
    try:
        apps = httpx.get(base.rsplit("/apps/", 1)[0] + "/apps", headers=headers)
        assert apps.status_code == 200
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
