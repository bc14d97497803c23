"""Alembic environment: runs sordino's migrations against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import sordino.models  # noqa: F401  (registers every table on Base.metadata)
from sordino.db import Base

target_metadata = Base.metadata


def run() -> None:
    """Run migrations online, in one transaction."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        engine = create_engine(url)
        with engine.connect() as connection:
            _configure_and_run(connection, url)
        engine.dispose()
    else:
        _configure_and_run(connectable, url)


def _configure_and_run(connection: object, url: str) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
