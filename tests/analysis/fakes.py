"""Fake engines that exercise the runner's failure handling with real processes."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from sordino.analysis.engines.base import EngineContext, EngineResult, run_process
from sordino.analysis.inventory import Inventory
from sordino.ingest.bundle import FindingRecord


@dataclass
class ProcessEngine:
    """Runs a fixed command; exit 0 yields one finding, anything else a crash."""

    name: str
    argv: list[str]
    installed: bool = True
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
