"""The contract every analysis engine meets, and the subprocess helper they share.

An engine says whether it applies to a tree (``applies``), whether its tool is
installed (``available``) and, when run, returns an ``EngineResult``. Engines
that call an outside tool do so through ``start_process``/``run_process``,
which put the tool in its own process group under a memory limit and kill the
whole group when the time limit passes.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, Protocol

from sordino.analysis.inventory import Inventory
from sordino.ingest.bundle import EngineFailure, FindingRecord, PackageRecord

FailureReason = Literal["missing", "crashed", "timeout", "unsupported", "no_data"]


@dataclass(frozen=True)
class EngineContext:
    """What an engine run needs: the tree, its inventory, a scratch dir, limits."""

    root: Path
    inventory: Inventory
    workdir: Path
    timeout_s: float
    memory_mb: int


@dataclass
class EngineResult:
    """What one engine produced; ``redactions`` are raw secrets, never serialized."""

    findings: list[FindingRecord] = field(default_factory=list)
    packages: list[PackageRecord] = field(default_factory=list)
    failure: EngineFailure | None = None
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    redactions: list[str] = field(default_factory=list)
    usage: dict[str, dict[str, list[str]]] = field(default_factory=dict)


class Engine(Protocol):
    """One analysis engine; an ``optional`` one is used only when installed."""

    name: str
    optional: bool

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds anything this engine analyses."""
        ...

    def available(self) -> bool:
        """Whether the engine's tool is installed."""
        ...

    def run(self, ctx: EngineContext) -> EngineResult:
        """Analyse ``ctx.root``; raise ``EngineError`` when no result can be had."""
        ...


class EngineError(Exception):
    """An engine could not produce a result."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason: FailureReason = reason
        self.message = message


class EngineTimeoutError(EngineError):
    """An engine ran past its time limit and was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__("timeout", f"killed after exceeding {seconds:g}s")


@dataclass(frozen=True)
class ProcessOutcome:
    """How a finished tool process ended and what it printed."""

    returncode: int
    stdout: bytes
    stderr: bytes
    tool: str = ""

    def stderr_tail(self, limit: int = 400) -> str:
        """The end of stderr as text, for failure messages."""
        return self.stderr.decode("utf-8", "replace").strip()[-limit:]

    def failure(
        self, engine: str, success_codes: Collection[int], detail: str = ""
    ) -> EngineFailure | None:
        """A ``crashed`` failure unless the tool exited with a success code.

        A tool's documented "findings found" code counts as success; any other
        code is a failure even when the tool printed results before failing.
        """
        if self.returncode in success_codes:
            return None
        how = (
            f"was killed by signal {-self.returncode}"
            if self.returncode < 0
            else f"exited {self.returncode}"
        )
        why = detail or self.stderr_tail() or "no error message"
        return EngineFailure(
            engine=engine,
            reason="crashed",
            message=f"{self.tool or engine} {how}: {why}",
        )


def find_binary(name: str) -> str | None:
    """The path of an executable on PATH or beside the running interpreter."""
    found = shutil.which(name)
    if found:
        return found
    # Tools installed in the same virtualenv need not be on PATH.
    beside = Path(sys.executable).parent / name
    return str(beside) if os.access(beside, os.X_OK) else None


def _memory_limiter(memory_mb: int) -> Callable[[], None]:
    limit = memory_mb * 1024 * 1024

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


class RunningProcess:
    """A started tool process whose output goes to files in the scratch dir."""

    def __init__(
        self,
        argv: list[str],
        ctx: EngineContext,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self._timeout = ctx.timeout_s
        self._deadline = time.monotonic() + ctx.timeout_s
        stem = Path(argv[0]).name
        self._tool = stem
        self._out_path = ctx.workdir / f"{stem}.stdout"
        self._err_path = ctx.workdir / f"{stem}.stderr"
        self._out: IO[bytes] = self._out_path.open("wb")
        self._err: IO[bytes] = self._err_path.open("wb")
        try:
            self._proc = subprocess.Popen(
                argv,
                cwd=cwd or ctx.root,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=self._err,
                start_new_session=True,
                # Only setrlimit runs between fork and exec: no locks, no imports.
                preexec_fn=_memory_limiter(ctx.memory_mb),
            )
        except OSError as exc:
            self._close()
            raise EngineError("missing", f"cannot start {argv[0]}: {exc}") from exc

    def _close(self) -> None:
        self._out.close()
        self._err.close()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()

    def wait(self) -> ProcessOutcome:
        """Wait for the process; kill its whole group at the deadline."""
        remaining = max(self._deadline - time.monotonic(), 0.0)
        try:
            returncode = self._proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired as exc:
            self._kill_group()
            self._close()
            raise EngineTimeoutError(self._timeout) from exc
        self._close()
        return ProcessOutcome(
            returncode=returncode,
            stdout=self._out_path.read_bytes(),
            stderr=self._err_path.read_bytes(),
            tool=self._tool,
        )


def run_process(
    argv: list[str],
    ctx: EngineContext,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ProcessOutcome:
    """Run a tool to completion under the context's time and memory limits."""
    return RunningProcess(argv, ctx, cwd=cwd, env=env).wait()


def relative_path(path: str, root: Path) -> str:
    """``path`` as reported by a tool, made relative to ``root`` with slashes."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(root)
        except ValueError:
            return candidate.as_posix()
    text = candidate.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text
