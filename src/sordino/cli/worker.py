"""``sordino worker``: run background jobs in separate processes."""

from __future__ import annotations

from typing import Annotated

import typer

from sordino.config import get_settings
from sordino.db import Database


def worker(
    workers: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 2,
) -> None:
    """Consume the job queue (set SORDINO_QUEUE_URL to share it between machines)."""
    from sordino.worker.queue import make_huey
    from sordino.worker.tasks import Jobs

    settings = get_settings()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    jobs = Jobs(make_huey(settings), db)
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread")
    queue = settings.queue_url or "the local queue"
    typer.echo(f"sordino worker: {workers} worker threads on {queue}")
    consumer.run()


def register(app: typer.Typer) -> None:
    """Add ``worker`` to the command line."""
    app.command("worker")(worker)
