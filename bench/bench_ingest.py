"""Ingest throughput: a generated 50,000-result SARIF imported into SQLite.

Run: python bench/bench_ingest.py [--results N] [--database-url URL]
Prints parse and ingest rates in findings per second, and the rescan rate
(the same report again, every finding already known).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sordino.db import Database
from sordino.importers import load
from sordino.ingest.service import ingest
from sordino.orgs import service as orgs

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
    items = []
    for i in range(results):
        rule = RULES[i % len(RULES)][0]
        items.append(
            {
                "ruleId": rule,
                "level": "error",
                "message": {"text": f"value {i} reaches a sensitive sink"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f"src/module{i % 2000}.py"},
                            "region": {
                                "startLine": 10 + i // 2000,
                                "snippet": {"text": f"sink(value_{i})"},
                            },
                        }
                    }
                ],
            }
        )
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "GenTool", "rules": rules}}, "results": items}],
    }
    path.write_text(json.dumps(doc))


def main() -> None:
    """Generate, import twice, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--database-url")
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
        print(f"sarif: {args.results} results, {size:.1f} MB, {db.engine.dialect.name}")
        for label in ("first import", "rescan"):
            start = time.perf_counter()
            bundle = load(report, app="bench-app")
            parsed = time.perf_counter()
            with db.session() as session:
                result = ingest(session, org_id, bundle)
            done = time.perf_counter()
            n = result.findings
            print(
                f"{label}: parse {n / (parsed - start):,.0f}/s, "
                f"ingest {n / (done - parsed):,.0f}/s, "
                f"total {n / (done - start):,.0f} findings/s "
                f"({done - start:.2f} s, {result.new} new)"
            )


if __name__ == "__main__":
    main()
