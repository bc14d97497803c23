"""Tests for the parallel engine runner, with fake and real engines."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from sordino.analysis.runner import (
    AnalysisError,
    analyze,
    assign_fingerprints,
    git_info,
    incomplete,
)
from sordino.ingest.bundle import EngineFailure, FindingRecord, analysis_succeeded
from tests.analysis.fakes import BuggyEngine, ProcessEngine, python
from tests.analysis.tree import make_tree


def _analyze(root: Path, engines: list[object], **kwargs: object) -> object:
    return analyze(
        root, app="demo", version="1", branch="main", tags={}, engines=engines, **kwargs
    )  # type: ignore[arg-type]


def test_missing_crashed_and_ok_engines(tmp_path: Path) -> None:
    events: list[tuple[str, str]] = []
    engines = [
        ProcessEngine("ok", python("pass")),
        ProcessEngine("broken", python("raise SystemExit(3)")),
        ProcessEngine("absent", python("pass"), installed=False),
        BuggyEngine(),
    ]
    bundle = analyze(
        make_tree(tmp_path, "one"),
        app="demo",
        version="1",
        branch="main",
        tags={"team": "a"},
        engines=engines,  # type: ignore[arg-type]
        progress=lambda name, state: events.append((name, state)),
    )
    failures = {f.engine: f for f in bundle.failures}
    assert failures["broken"].reason == "crashed"
    assert failures["broken"].message == "exit 3"
    assert failures["absent"].reason == "missing"
    assert "not installed" in failures["absent"].message
    assert failures["buggy"].reason == "crashed"
    assert "ValidationError" in failures["buggy"].message
    assert [f.rule_id for f in bundle.findings] == ["ok.rule"]
    assert bundle.stats["engines"]["ok"]["status"] == "ok"
    assert bundle.stats["engines"]["broken"]["status"] == "crashed"
    assert ("absent", "missing") in events
    assert ("broken", "crashed") in events
    assert ("ok", "started") in events
    assert ("ok", "done") in events
    assert bundle.tags == {"team": "a"}
    assert bundle.started_at is not None
    assert bundle.completed_at is not None
    assert bundle.started_at <= bundle.completed_at
    assert bundle.language == "python"
    assert bundle.languages == ["python"]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (killed, not yet reaped by init) does not."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return False
    state = next(
        line for line in status.read_text().splitlines() if line.startswith("State:")
    )
    return "zombie" not in state


def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The shell starts a grandchild; both must die when the deadline passes.
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    engine = ProcessEngine("slow", ["sh", "-c", script])
    started = time.monotonic()
    bundle = analyze(
        make_tree(tmp_path / "src", "one"),
        app="demo",
        version="1",
        branch="main",
        tags={},
        engines=[engine],  # type: ignore[list-item]
        timeout_s=1,
    )
    assert time.monotonic() - started < 20
    [failure] = bundle.failures
    assert failure.reason == "timeout"
    assert "1s" in failure.message
    grandchild = int(pid_file.read_text())
    time.sleep(0.2)
    assert not _alive(grandchild)


def test_memory_limit_stops_a_greedy_engine(tmp_path: Path) -> None:
    greedy = ProcessEngine("greedy", python("x = bytearray(600 * 1024 * 1024)"))
    bundle = analyze(
        make_tree(tmp_path, "one"),
        app="demo",
        version="1",
        branch="main",
        tags={},
        engines=[greedy],  # type: ignore[list-item]
        memory_mb=256,
    )
    assert [f.reason for f in bundle.failures] == ["crashed"]


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="not a directory"):
        analyze(tmp_path / "nope", app="a", version="", branch="", tags={})


def test_fingerprints_are_assigned_and_disambiguated() -> None:
    same = [
        FindingRecord(rule_id="r", title="t", file="a.py", line=line, snippet="x()")
        for line in (9, 3)
    ]
    ordered = assign_fingerprints(same)
    assert [f.line for f in ordered] == [3, 9]
    first, second = (f.fingerprint or "" for f in ordered)
    assert first.startswith("r/")
    assert second == f"{first}.2"
    kept = FindingRecord(rule_id="s", title="t", fingerprint="s/fixed")
    assert assign_fingerprints([kept])[0].fingerprint == "s/fixed"


def test_fingerprint_falls_back_to_line_without_snippet() -> None:
    a, b = assign_fingerprints(
        [
            FindingRecord(rule_id="r", title="t", file="a.py", line=1),
            FindingRecord(rule_id="r", title="t", file="a.py", line=2),
        ]
    )
    assert a.fingerprint != b.fingerprint
    assert "." not in (b.fingerprint or "")


def test_git_info(tmp_path: Path) -> None:
    assert git_info(tmp_path) is None
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", "init", "-q", "-b", "feature", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("a\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "a.txt"], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "commit", "-q", "-m", "a"], check=True, env=env
    )
    sha = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert git_info(tmp_path) == (sha, "feature")


def test_incomplete_leaves_out_optional_and_harmless_failures() -> None:
    def failure(engine: str, reason: str, optional: bool = False) -> EngineFailure:
        return EngineFailure(engine=engine, reason=reason, optional=optional)  # type: ignore[arg-type]

    failures = [
        failure("checkov", "missing", optional=True),
        failure("osv", "no_data"),
        failure("lockfiles", "unsupported"),
        failure("semgrep", "missing"),
        failure("bandit", "crashed"),
        failure("secrets", "timeout"),
        failure("checkov", "crashed"),
    ]
    assert [(f.engine, f.reason) for f in incomplete(failures)] == [
        ("semgrep", "missing"),
        ("bandit", "crashed"),
        ("secrets", "timeout"),
        ("checkov", "crashed"),
    ]
    # The stored scan agrees: an optional engine's absence leaves it successful.
    assert analysis_succeeded([failures[0], failures[1], failures[2]])
    assert not analysis_succeeded([failures[3]])


def test_a_missing_optional_engine_leaves_the_scan_successful(tmp_path: Path) -> None:
    engines = [
        ProcessEngine("ok", python("pass")),
        ProcessEngine("extra", python("pass"), installed=False, optional=True),
    ]
    bundle = analyze(
        make_tree(tmp_path, "one"),
        app="demo",
        version="1",
        branch="main",
        tags={},
        engines=engines,  # type: ignore[arg-type]
    )
    [failure] = bundle.failures
    assert (failure.engine, failure.reason, failure.optional) == (
        "extra",
        "missing",
        True,
    )
    assert analysis_succeeded(bundle.failures)
    assert incomplete(bundle.failures) == []
