"""The database layer: SQLite settings, migrations, sessions and timestamps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import sordino.models  # noqa: F401  (every table on Base.metadata)
from sordino.db import Base, Database, alembic_config
from sordino.orgs.models import Org


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    """A migrated SQLite database in a directory that did not exist."""
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'sordino.db'}")
    database.upgrade()
    return database


def head_revision() -> str:
    """The newest migration in the package."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert sqlite_db.is_sqlite


def test_upgrade_is_idempotent(sqlite_db: Database) -> None:
    sqlite_db.upgrade()
    sqlite_db.upgrade()
    with sqlite_db.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert [row[0] for row in versions] == [head_revision()]


def test_session_database_is_at_head(db: Database) -> None:
    """Holds on SQLite and on PostgreSQL, whichever the session uses."""
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head_revision()


def test_migrations_create_every_table_of_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(db: Database) -> None:
    """A model changed without regenerating the migration fails here."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_session_commits_once_and_rolls_back_on_error(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        session.add(Org(id="11111111-1111-1111-1111-111111111111", name="kept"))

    def add_then_fail() -> None:
        with sqlite_db.session() as session:
            session.add(Org(id="22222222-2222-2222-2222-222222222222", name="lost"))
            session.flush()
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError, match="abort"):
        add_then_fail()
    with sqlite_db.session() as session:
        assert [o.name for o in session.query(Org).order_by(Org.name)] == ["kept"]


def test_timestamps_come_back_aware_in_utc(db: Database) -> None:
    naive = dt.datetime(2024, 5, 1, 12, 30)
    paris = dt.datetime(2024, 5, 1, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    ids = []
    with db.session() as session:
        for moment in (naive, paris):
            org = Org(name="clock", created_at=moment)
            session.add(org)
            session.flush()
            ids.append(org.id)
    with db.session() as session:
        for org_id in ids:
            org = session.get(Org, org_id)
            assert org is not None
            assert org.created_at == dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
            assert org.created_at.utcoffset() == dt.timedelta(0)
