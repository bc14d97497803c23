"""The analysis engines sordino runs, registered explicitly (no discovery)."""

from __future__ import annotations

from sordino.analysis.engines.bandit import BanditEngine
from sordino.analysis.engines.base import (
    Engine,
    EngineContext,
    EngineError,
    EngineResult,
    EngineTimeoutError,
)
from sordino.analysis.engines.checkov import CheckovEngine
from sordino.analysis.engines.lockfiles import LockfilesEngine
from sordino.analysis.engines.secrets import SecretsEngine
from sordino.analysis.engines.semgrep import SemgrepEngine

ENGINES: tuple[Engine, ...] = (
    SemgrepEngine(),
    BanditEngine(),
    SecretsEngine(),
    LockfilesEngine(),
    CheckovEngine(),
)

__all__ = [
    "ENGINES",
    "Engine",
    "EngineContext",
    "EngineError",
    "EngineResult",
    "EngineTimeoutError",
    "by_name",
]


def by_name(name: str) -> Engine:
    """The registered engine called ``name``; ``KeyError`` names the known ones."""
    for engine in ENGINES:
        if engine.name == name:
            return engine
    known = ", ".join(engine.name for engine in ENGINES)
    raise KeyError(f"unknown engine {name!r}; known engines: {known}")
