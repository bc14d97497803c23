"""The job queue: huey on SQLite by default, Redis or PostgreSQL at scale."""

from __future__ import annotations

from typing import Any

from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey

from sordino.config import Settings


def make_huey(settings: Settings) -> Huey:
    """A huey instance for the configured queue URL."""
    url = settings.queue_url or ""
    options: dict[str, Any] = {"name": "sordino", "results": False, "utc": True}
    if settings.immediate_jobs:
        return MemoryHuey(immediate=True, **options)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(url=url, **options)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresHuey(dsn=url, **options)
    if url:
        raise ValueError(
            f"unsupported SORDINO_QUEUE_URL {url!r}: use redis:// or postgresql://"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(filename=str(settings.data_dir / "queue.db"), **options)
