"""Ingest throughput: a generated 50,000-result SARIF imported into a database.

Run: python bench/bench_ingest.py [--results N] [--database-url URL]

Without ``--database-url`` a temporary SQLite file is used; pass a PostgreSQL
URL (``postgresql+psycopg://user:pass@host/db``, an empty database that the
benchmark migrates) to measure PostgreSQL. The report is imported twice: the
first import creates every finding, the rescan finds every one already known.
Each phase prints wall-clock and CPU (``time.process_time``) rates; CPU time
is steadier on a shared machine, wall time is what a user waits. The last
line is the summary: the first import, parse plus ingest, wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sordino.db import Database
from sordino.importers import load
from sordino.ingest.service import ingest
from sordino.orgs import service as orgs

TARGET = 20_000
FILES = 2_000
RULES = [
    ("py/sql-injection", "9.8", ["external/cwe/cwe-089"]),
    ("py/path-injection", "7.5", ["external/cwe/cwe-022"]),
    ("js/xss", "6.1", ["external/cwe/cwe-079"]),
    ("java/weak-crypto", "5.3", ["external/cwe/cwe-327"]),
    ("go/ssrf", "8.6", ["external/cwe/cwe-918"]),
]


def generate(path: Path, results: int) -> None:
    """Write a SARIF file with ``results`` results spread over 2,000 files."""
    rules = [
        {
            "id": rule,
            "shortDescription": {"text": rule.replace("/", " ")},
            "properties": {"security-severity": score, "tags": tags},
        }
        for rule, score, tags in RULES
    ]
    items = [_result(i) for i in range(results)]
    doc = {
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": {"name": "GenTool", "rules": rules}}, "results": items}
        ],
    }
    path.write_text(json.dumps(doc))


def _result(i: int) -> dict[str, object]:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": f"src/module{i % FILES}.py"},
            "region": {
                "startLine": 10 + i // FILES,
                "snippet": {"text": f"sink(value_{i})"},
            },
        }
    }
    return {
        "ruleId": RULES[i % len(RULES)][0],
        "level": "error",
        "message": {"text": f"value {i} reaches a sensitive sink"},
        "locations": [location],
    }


@dataclass(frozen=True)
class Clock:
    """A wall-clock and a CPU reading taken together."""

    wall: float
    cpu: float

    @classmethod
    def now(cls) -> Clock:
        """Read both clocks."""
        return cls(time.perf_counter(), time.process_time())

    def since(self, earlier: Clock) -> Clock:
        """The time elapsed from ``earlier`` to this reading."""
        return Clock(self.wall - earlier.wall, self.cpu - earlier.cpu)


def _rates(n: int, spent: Clock) -> str:
    cpu = f"{n / spent.cpu:,.0f}" if spent.cpu > 0 else "-"
    return f"{n / spent.wall:,.0f}/s wall, {cpu}/s cpu"


def _run(db: Database, org_id: str, report: Path, label: str) -> tuple[int, Clock]:
    start = Clock.now()
    bundle = load(report, app="bench-app")
    parsed = Clock.now()
    with db.session() as session:
        result = ingest(session, org_id, bundle)
    done = Clock.now()
    n = result.findings
    total = done.since(start)
    print(f"{label}: parse   {_rates(n, parsed.since(start))}")
    print(f"{label}: ingest  {_rates(n, done.since(parsed))}")
    print(
        f"{label}: total   {_rates(n, total)} "
        f"({total.wall:.2f} s wall, {total.cpu:.2f} s cpu, {result.new} new)"
    )
    return n, total


def main() -> None:
    """Generate, import twice, print the figures and the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "generated.sarif"
        generate(report, args.results)
        db = Database(args.database_url or f"sqlite:///{tmp}/bench.db")
        db.upgrade()
        with db.session() as session:
            org_id = orgs.create(
                session, name="bench", email="b@x", key="k" * 40, issuer="sordino"
            ).org.id
        size = report.stat().st_size / 1e6
        load1 = os.getloadavg()[0]
        print(
            f"sarif: {args.results} results, {size:.1f} MB, "
            f"{db.engine.dialect.name}, load {load1:.2f}"
        )
        n, first = _run(db, org_id, report, "first import")
        _run(db, org_id, report, "rescan")
        db.engine.dispose()
    print(f"ingest {n} findings: {n / first.wall:,.0f} findings/s (target {TARGET})")


if __name__ == "__main__":
    main()
