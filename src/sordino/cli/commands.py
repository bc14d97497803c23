"""Registry of the commands defined outside ``cli.main``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every optional command group to ``app``."""
    from sordino.cli import analyze, findings, rbac, worker

    analyze.register(app)
    findings.register(app)
    worker.register(app)

    rbac.register(app)

    from sordino.cli import check

    check.register(app)

    from sordino.cli import vulndb

    vulndb.register(app)
