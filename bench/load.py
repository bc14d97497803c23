"""Load benchmark: many clients against `sordino serve --workers 4` on PostgreSQL.

Clients mix findings queries, triage changes (status and assignee) and scan
uploads of the same apps for a fixed time. Each client triages its own slice
of findings, so the last change it saw accepted is what the database must hold
at the end: every one is read back through the API (no lost update). Prints
requests per second and p50/p99 latency per kind; exits 1 on any error or
lost update.

    python bench/load.py                    # 50 clients, 120 s
    python bench/load.py --short            # 10 clients, 20 s (what CI runs)
    SORDINO_BENCH_DATABASE_URL=postgresql+psycopg://u:p@127.0.0.1:5432/postgres \\
        python bench/load.py

The server URL may also come from SORDINO_TEST_DATABASE_URL; with neither, a
throw-away PostgreSQL cluster is started on loopback (Debian's binaries) and
removed at the end. A fresh database is created on the server and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import sordino.models  # noqa: F401  (registers every table)
from sordino.db import Database
from sordino.ingest.bundle import FindingRecord, ScanBundle
from sordino.ingest.service import ingest
from sordino.logs import configure
from sordino.orgs import service as orgs

KEY = "load-bench-signing-key-not-secret-0123"
APPS = 5
FINDINGS_PER_APP = 200
STATUSES = ("ignored", "fixed", "3rdparty", "unset")
QUERIES = (
    "per_page=50",
    "severity=critical&per_page=50",
    "status=any&sort=severity&per_page=25",
    "type=vuln&finding_tags=cwe_category=89",
)
STARTUP_SECONDS = 180


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the database ----------------------------------------------------------------


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A PostgreSQL cluster on loopback for the run's length; yields its URL."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        sys.exit("no PostgreSQL: set SORDINO_BENCH_DATABASE_URL or install postgresql")
    bin_dir = found[-1].parent
    root = Path(tempfile.mkdtemp(prefix="sordino-load-pg-"))
    # initdb refuses root; the cluster then belongs to the postgres user.
    runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if runas:
        shutil.chown(root, "postgres")
    port = free_port()
    subprocess.run(
        [*runas, str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
         "--auth-local=trust", "--auth-host=trust"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    options += " -c max_connections=300"
    subprocess.run(
        [*runas, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-w",
         "-l", str(root / "server.log"), "-o", options, "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*runas, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "fast",
             "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on the server of ``server_url``, dropped afterwards."""
    name = f"sordino_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _findings(app: int) -> list[FindingRecord]:
    return [
        FindingRecord(
            rule_id=f"load.rule{n % 9}",
            title=f"load finding {n}",
            severity=("critical", "high", "medium", "low")[n % 4],
            file=f"app{app}/module{n % 17}.py",
            line=n + 1,
            snippet=f"sink_{n}(request.args)",
            tags={"cwe_category": str((89, 79, 22)[n % 3])},
        )
        for n in range(FINDINGS_PER_APP)
    ]


def bundle(app: int, version: str) -> ScanBundle:
    """The scan of load app ``app``: the same findings every time."""
    return ScanBundle(app=f"load{app}", version=version, findings=_findings(app))


def seed(url: str) -> tuple[str, str, str]:
    """Migrate, create the org and its first scans; the org id, token and email."""
    configure("console", "WARNING")
    db = Database(url, pooled=False)
    db.upgrade()
    with db.session() as session:
        made = orgs.create(
            session, name="load", email="load@example.com", key=KEY, issuer="sordino"
        )
        org_id, token = made.org.id, made.token.value
        for app in range(APPS):
            ingest(session, org_id, bundle(app, "v0"))
    db.engine.dispose()
    return org_id, token, "load@example.com"


# --- the server ------------------------------------------------------------------


@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    """`sordino serve` on a free loopback port; yields its base URL."""
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="sordino-load-")
    env = {
        **os.environ,
        "SORDINO_DATABASE_URL": url,
        "SORDINO_SECRET_KEY": KEY,  # one key shared by every worker process
        "SORDINO_DATA_DIR": data_dir,
        "SORDINO_LOG_LEVEL": "WARNING",
        "SORDINO_IMMEDIATE_JOBS": "true",
    }
    # The console script installed beside this interpreter.
    sordino = str(Path(sys.executable).with_name("sordino"))
    command = [sordino, "serve", "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until it answers; bounded by STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"sordino serve exited with {process.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    sys.exit("sordino serve did not come up in time")


# --- the clients -----------------------------------------------------------------


@dataclass
class Tally:
    """Latencies per kind of request, errors, and the triage each client made."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # (app, finding id) -> (status, assignee) as last accepted.
    expected: dict[tuple[int, int], list[str]] = field(default_factory=dict)


class Client:
    """One simulated user: queries, triages its own findings, uploads scans."""

    def __init__(
        self, number: int, http: httpx.AsyncClient, org: str, owned: list[Any]
    ) -> None:
        self.number = number
        self.http = http
        self.org = org
        self.owned = owned
        self.random = random.Random(number)

    async def timed(self, tally: Tally, kind: str, method: str, path: str,
                    **kwargs: Any) -> bool:  # fmt: skip
        """Send one request, record its latency; False (and an error) if not 200."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            tally.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return False
        tally.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        if response.status_code != 200:
            tally.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
            return False
        return True

    async def step(self, tally: Tally) -> None:
        """One request of a kind drawn at random (70/25/5)."""
        draw = self.random.random()
        app = self.random.randrange(APPS)
        base = f"/api/v4/orgs/{self.org}/apps/load{app}"
        if draw < 0.70:
            query = self.random.choice(QUERIES)
            await self.timed(tally, "query", "GET", f"{base}/findings?{query}")
        elif draw < 0.95:
            await self.triage(tally)
        else:
            body = bundle(app, f"c{self.number}").model_dump(mode="json")
            await self.timed(tally, "upload", "POST", f"{base}/scans", json=body)

    async def triage(self, tally: Tally) -> None:
        """Change the status or the assignee of one of this client's findings."""
        app, finding = self.random.choice(self.owned)
        path = f"/api/v4/orgs/{self.org}/apps/load{app}/findings/{finding}"
        state = tally.expected.setdefault((app, finding), ["unset", ""])
        if self.random.random() < 0.5:
            status = self.random.choice(STATUSES)
            body = {"status": "" if status == "unset" else status}
            if await self.timed(tally, "triage", "PUT", path + "/status", json=body):
                state[0] = status
        else:
            who = self.random.choice(["", f"user{self.number}@example.com"])
            body = {"assignee": who}
            if await self.timed(
                tally, "triage", "PUT", path + "/assignment", json=body
            ):
                state[1] = who

    async def run(self, tally: Tally, until: float, limit: int) -> None:
        """Steps until the deadline, and never more than ``limit``."""
        for _ in range(limit):
            if time.monotonic() >= until:
                return
            await self.step(tally)


async def finding_ids(http: httpx.AsyncClient, org: str) -> list[tuple[int, int]]:
    """Every (app, finding id) of the load apps."""
    found = []
    for app in range(APPS):
        for page in range(1, FINDINGS_PER_APP // 250 + 2):
            path = f"/api/v4/orgs/{org}/apps/load{app}/findings"
            response = await http.get(path, params={"per_page": 250, "page": page})
            response.raise_for_status()
            items = response.json()["response"]["findings"]
            found += [(app, int(item["id"])) for item in items]
            if len(items) < 250:
                break
    return found


async def lost_updates(http: httpx.AsyncClient, org: str, tally: Tally) -> list[str]:
    """Every triage change read back through the API; the ones that differ."""
    lost = []
    for (app, finding), (status, assignee) in sorted(tally.expected.items()):
        path = f"/api/v4/orgs/{org}/apps/load{app}/findings/{finding}"
        body = (await http.get(path)).json()["response"]
        got = (body.get("status") or "unset", body.get("assignee") or "")
        if got != (status, assignee):
            lost.append(f"load{app}/{finding}: wanted {(status, assignee)}, got {got}")
    return lost


async def drive(
    base: str, org: str, token: str, clients: int, seconds: float
) -> dict[str, Any]:
    """Run the clients against ``base`` and check the outcome."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients + 5)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=timeout
    ) as http:
        everything = await finding_ids(http, org)
        tally = Tally()
        users = [Client(n, http, org, everything[n::clients]) for n in range(clients)]
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(user.run(tally, until, 1_000_000) for user in users))
        elapsed = time.monotonic() - started
        lost = await lost_updates(http, org, tally)
    return report(tally, lost, elapsed, clients)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def report(
    tally: Tally, lost: list[str], elapsed: float, clients: int
) -> dict[str, Any]:
    """The figures: requests/s and p50/p99 (ms) per kind, errors, lost updates."""
    kinds = {}
    for kind, values in sorted(tally.latencies.items()):
        kinds[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / elapsed, 1),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(_percentile(values, 0.99), 1),
        }
    total = sum(len(v) for v in tally.latencies.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "per_second": round(total / elapsed, 1),
        "kinds": kinds,
        "triaged_findings": len(tally.expected),
        "errors": tally.errors[:20],
        "error_count": len(tally.errors),
        "lost_updates": lost[:20],
        "lost_count": len(lost),
    }


def print_report(result: dict[str, Any]) -> None:
    """A table for people, then one JSON line for scripts."""
    print(f"{result['clients']} clients, {result['seconds']} s, "
          f"{result['requests']} requests, {result['per_second']} req/s")  # fmt: skip
    print(f"{'kind':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, figures in result["kinds"].items():
        print(f"{kind:<8} {figures['requests']:>9} {figures['per_second']:>8} "
              f"{figures['p50_ms']:>8} {figures['p99_ms']:>8}")  # fmt: skip
    print(f"triaged findings read back: {result['triaged_findings']}, "
          f"lost updates: {result['lost_count']}, "
          f"errors: {result['error_count']}")  # fmt: skip
    for line in result["errors"] + result["lost_updates"]:
        print("  " + line)
    print("RESULT " + json.dumps(result, sort_keys=True))


def main() -> int:
    """Parse the options, set up, run, report; 1 when anything went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="10 clients, 20 s")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    clients = options.clients or (10 if options.short else 50)
    seconds = options.seconds or (20.0 if options.short else 120.0)
    server_url = os.environ.get("SORDINO_BENCH_DATABASE_URL") or os.environ.get(
        "SORDINO_TEST_DATABASE_URL"
    )
    with _server_url(server_url) as base_url, fresh_database(base_url) as url:
        org, token, _email = seed(url)
        with server(url, options.workers) as base:
            result = asyncio.run(drive(base, org, token, clients, seconds))
    print_report(result)
    return 1 if result["error_count"] or result["lost_count"] else 0


@contextmanager
def _server_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    with throwaway_cluster() as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
