"""Run the applicable engines on a tree in parallel and assemble a ScanBundle.

Each engine runs in its own thread (the heavy ones are subprocesses under
time and memory limits). An engine that is missing, crashes or times out is
recorded in the bundle's ``failures``; the others' results are kept.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import structlog

from sordino.analysis import fingerprint
from sordino.analysis.duplicates import dedupe_secrets, merge_duplicates
from sordino.analysis.engines import ENGINES, Engine, EngineContext, EngineError
from sordino.analysis.engines.base import EngineResult
from sordino.analysis.engines.secrets import mask
from sordino.analysis.inventory import Inventory, scan
from sordino.ingest.bundle import EngineFailure, FindingRecord, ScanBundle

log = structlog.get_logger(__name__)

# Called as progress(engine_name, state) from worker threads, so it must be
# thread-safe; states: started, done, skipped, or the failure's reason
# (missing, crashed, timeout, ...).
ProgressCallback = Callable[[str, str], None]
MAX_WARNINGS = 100


class AnalysisError(ValueError):
    """The analysis could not start (for example, the path is not a directory)."""


def _notify(progress: ProgressCallback | None, engine: str, state: str) -> None:
    if progress is not None:
        progress(engine, state)


def _run_one(engine: Engine, ctx: EngineContext) -> EngineResult:
    """Run one engine, turning any way it can fail into an ``EngineFailure``."""
    started = time.monotonic()
    try:
        result = engine.run(ctx)
    except EngineError as exc:
        result = EngineResult(
            failure=EngineFailure(
                engine=engine.name, reason=exc.reason, message=exc.message
            )
        )
    except Exception as exc:
        # One engine's bug must not lose the other engines' results.
        log.exception("analysis.engine.crashed", engine=engine.name)
        message = f"{type(exc).__name__}: {exc}"
        result = EngineResult(
            failure=EngineFailure(engine=engine.name, reason="crashed", message=message)
        )
    result.duration_s = time.monotonic() - started
    return result


def _select(
    engines: Sequence[Engine],
    inventory: Inventory,
    progress: ProgressCallback | None,
) -> tuple[list[Engine], dict[str, EngineResult]]:
    """Engines to run, and results already known for those that cannot run."""
    runnable: list[Engine] = []
    settled: dict[str, EngineResult] = {}
    for engine in engines:
        if not engine.applies(inventory):
            _notify(progress, engine.name, "skipped")
        elif not engine.available():
            message = f"{engine.name} applies to this tree but is not installed"
            if engine.optional:
                message += " (optional: install it to include its checks)"
            failure = EngineFailure(
                engine=engine.name,
                reason="missing",
                message=message,
                optional=engine.optional,
            )
            settled[engine.name] = EngineResult(failure=failure)
            _notify(progress, engine.name, "missing")
        else:
            runnable.append(engine)
    return runnable, settled


def _run_all(
    engines: list[Engine],
    base: EngineContext,
    progress: ProgressCallback | None,
) -> dict[str, EngineResult]:
    """Run ``engines`` in parallel, each with its own scratch directory."""

    def job(engine: Engine) -> EngineResult:
        workdir = base.workdir / engine.name
        workdir.mkdir()
        ctx = EngineContext(
            root=base.root,
            inventory=base.inventory,
            workdir=workdir,
            timeout_s=base.timeout_s,
            memory_mb=base.memory_mb,
        )
        _notify(progress, engine.name, "started")
        result = _run_one(engine, ctx)
        _notify(
            progress, engine.name, result.failure.reason if result.failure else "done"
        )
        log.info(
            "analysis.engine.finished",
            engine=engine.name,
            duration_s=round(result.duration_s, 3),
            findings=len(result.findings),
            failure=result.failure.reason if result.failure else None,
        )
        return result

    if not engines:
        return {}
    with ThreadPoolExecutor(max_workers=len(engines)) as pool:
        results = list(pool.map(job, engines))
    return {
        engine.name: result for engine, result in zip(engines, results, strict=True)
    }


def redact(findings: list[FindingRecord], secrets: set[str]) -> None:
    """Replace every raw secret in the findings' text with its masked form."""
    if not secrets:
        return
    ordered = sorted(secrets, key=len, reverse=True)

    def clean(text: str) -> str:
        for secret in ordered:
            if secret in text:
                text = text.replace(secret, mask(secret))
        return text

    for finding in findings:
        finding.title = clean(finding.title)
        finding.description = clean(finding.description)
        finding.snippet = clean(finding.snippet)
        finding.remediation = clean(finding.remediation)
        for step in finding.dataflow:
            step.code = clean(step.code)
            step.method_name = clean(step.method_name)
            step.short_method_name = clean(step.short_method_name)
        finding.details = {
            key: clean(value) if isinstance(value, str) else value
            for key, value in finding.details.items()
        }
        finding.fixes = [
            {k: clean(v) if isinstance(v, str) else v for k, v in fix.items()}
            for fix in finding.fixes
        ]


def assign_fingerprints(findings: list[FindingRecord]) -> list[FindingRecord]:
    """Findings in a stable order, each with a fingerprint unique in the scan."""
    ordered = sorted(findings, key=lambda f: (f.type, f.file, f.line, f.rule_id))
    for finding in ordered:
        if not finding.fingerprint:
            finding.fingerprint = fingerprint.code_fingerprint(
                finding.rule_id,
                finding.file,
                finding.snippet,
                fallback=str(finding.line),
            )
    unique = fingerprint.disambiguate(f.fingerprint or "" for f in ordered)
    for finding, value in zip(ordered, unique, strict=True):
        finding.fingerprint = value
    return ordered


def _stats(
    inventory: Inventory, results: dict[str, EngineResult], elapsed: float
) -> dict[str, Any]:
    stats: dict[str, Any] = dict(inventory.stats())
    stats["duration_s"] = round(elapsed, 3)
    stats["engines"] = {
        name: {
            "status": result.failure.reason if result.failure else "ok",
            "duration_s": round(result.duration_s, 3),
            "findings": len(result.findings),
            "packages": len(result.packages),
        }
        for name, result in sorted(results.items())
    }
    warnings = [w for result in results.values() for w in result.warnings]
    stats["warnings"] = warnings[:MAX_WARNINGS]
    stats["warnings_total"] = len(warnings)
    return stats


def analyze(
    root: Path,
    *,
    app: str,
    version: str,
    branch: str,
    tags: dict[str, str],
    engines: Sequence[Engine] | None = None,
    timeout_s: float = 600,
    memory_mb: int = 4096,
    progress: ProgressCallback | None = None,
) -> ScanBundle:
    """Analyse the tree at ``root`` with every applicable engine."""
    if not root.is_dir():
        raise AnalysisError(f"cannot analyse {root}: not a directory")
    root = root.resolve()
    started_at = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    inventory = scan(root)
    runnable, results = _select(
        ENGINES if engines is None else engines, inventory, progress
    )
    with tempfile.TemporaryDirectory(prefix="sordino-analyze-") as scratch:
        base = EngineContext(root, inventory, Path(scratch), timeout_s, memory_mb)
        results |= _run_all(runnable, base, progress)
    findings = dedupe_secrets([f for r in results.values() for f in r.findings])
    findings = merge_duplicates(findings)
    redact(findings, {s for result in results.values() for s in result.redactions})
    bundle = ScanBundle(
        app=app,
        version=version,
        branch=branch,
        tags=dict(tags),
        language=inventory.dominant,
        languages=inventory.ordered_languages,
        started_at=started_at,
        completed_at=dt.datetime.now(dt.UTC),
        failures=[r.failure for r in results.values() if r.failure is not None],
        stats=_stats(inventory, results, time.monotonic() - clock),
        findings=assign_fingerprints(findings),
        packages=[p for result in results.values() for p in result.packages],
        usage={k: v for r in results.values() for k, v in r.usage.items()},
    )
    log.info(
        "analysis.completed",
        app=app,
        findings=len(bundle.findings),
        failures=[f.engine for f in bundle.failures],
    )
    return bundle


def incomplete(failures: Sequence[EngineFailure]) -> list[EngineFailure]:
    """The failures that mean the analysis missed something it should have done.

    An engine that crashed or timed out counts, and so does a missing engine
    unless it is optional (used only when installed, as checkov is). A missing
    advisory database or an unsupported tree does not.
    """
    return [failure for failure in failures if failure.fatal]


def git_info(root: Path) -> tuple[str, str] | None:
    """The commit sha and branch of the git checkout at ``root``, if it is one."""
    git = shutil.which("git")
    if git is None:
        return None

    def ask(*args: str) -> str | None:
        completed = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
            [git, "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return completed.stdout.strip() if completed.returncode == 0 else None

    sha = ask("rev-parse", "HEAD")
    branch = ask("rev-parse", "--abbrev-ref", "HEAD")
    if not sha or branch is None:
        return None
    return sha, "" if branch == "HEAD" else branch
