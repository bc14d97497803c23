"""The short load run: 10 clients for 20 s against four server processes.

Runs only on PostgreSQL (SORDINO_TEST_DATABASE_URL), as CI's second pass does;
asserts no errors and no lost update, never timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load.py"
SERVER = os.environ.get("SORDINO_TEST_DATABASE_URL", "")


@pytest.mark.skipif(
    not SERVER.startswith("postgresql"), reason="the load run needs PostgreSQL"
)
def test_short_load_run_has_no_errors_and_no_lost_updates() -> None:
    """Every request answers 200 and every triage change reads back."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--short"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SORDINO_BENCH_DATABASE_URL": SERVER},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout + done.stderr
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["error_count"] == 0, result["errors"]
    assert result["lost_count"] == 0, result["lost_updates"]
    assert set(result["kinds"]) == {"query", "triage", "upload"}
    assert result["triaged_findings"] > 0
    assert done.returncode == 0
