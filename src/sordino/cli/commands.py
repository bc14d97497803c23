"""Registry of the commands defined outside ``cli.main``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every optional command group to ``app``."""
    from sordino.cli import analyze, findings, rbac

    analyze.register(app)
    findings.register(app)

    rbac.register(app)
