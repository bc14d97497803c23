"""Fake engines that exercise the runner's failure handling with real processes."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sordino.analysis.engines.base import EngineContext, EngineResult, run_process
from sordino.analysis.inventory import Inventory
from sordino.ingest.bundle import FindingRecord


@dataclass
class ProcessEngine:
    """Runs a fixed command; exit 0 yields one finding, anything else a crash."""

    name: str
    argv: list[str]
    installed: bool = True
    optional: bool = False
    seen: list[str] = field(default_factory=list)

    def applies(self, inventory: Inventory) -> bool:
        """Always applies."""
        return True

    def available(self) -> bool:
        """As configured."""
        return self.installed

    def run(self, ctx: EngineContext) -> EngineResult:
        """Run the command and judge its exit code."""
        from sordino.analysis.engines.base import EngineError

        outcome = run_process(self.argv, ctx)
        if outcome.returncode != 0:
            raise EngineError("crashed", f"exit {outcome.returncode}")
        finding = FindingRecord(
            rule_id=f"{self.name}.rule", title="Fake", file="a.py", line=1
        )
        return EngineResult(findings=[finding])


class BuggyEngine:
    """An adapter with a Python bug in it."""

    name = "buggy"
    optional = False

    def applies(self, inventory: Inventory) -> bool:
        """Always applies."""
        return True

    def available(self) -> bool:
        """Always available."""
        return True

    def run(self, ctx: EngineContext) -> EngineResult:
        """Fail the way a parser bug would."""
        return EngineResult(findings=[FindingRecord(rule_id=1)])  # type: ignore[arg-type]


def python(code: str) -> list[str]:
    """A command that runs ``code`` with this interpreter."""
    return [sys.executable, "-c", code]


def fake_tool(folder: Path, name: str, stdout: object, code: int) -> Path:
    """An executable ``folder/name`` that prints ``stdout`` as JSON and exits ``code``.

    A negative ``code`` kills it with that signal instead. Put ``folder`` first
    on PATH and the engines run it instead of the real tool.
    """
    folder.mkdir(parents=True, exist_ok=True)
    payload = folder / f"{name}.json"
    payload.write_text(json.dumps(stdout))
    end = f"os.kill(os.getpid(), {-code})" if code < 0 else f"sys.exit({code})"
    script = folder / name
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        f"sys.stdout.write(open({str(payload)!r}).read())\n"
        f"sys.stderr.write('{name} went wrong\\n')\n"
        "sys.stdout.flush()\n"
        f"{end}\n"
    )
    script.chmod(0o755)
    return script
