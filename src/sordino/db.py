"""Database engine, sessions, the declarative base and migrations."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute, Session, sessionmaker
from sqlalchemy.pool import NullPool

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Convert to UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Attach UTC to what SQLite returns without a zone."""
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Base class of every sordino model."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, for batched statements."""
    return cast(Table, model.__table__)


def max_length(attribute: QueryableAttribute[Any]) -> int:
    """The declared length of a VARCHAR column, such as ``max_length(Scan.branch)``.

    PostgreSQL refuses longer values; SQLite would keep them whole.
    """
    kind = attribute.expression.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{attribute} is not a column of bounded length")
    return kind.length


def text_lengths(table: Table) -> dict[str, int | None]:
    """Each text column of ``table`` with its length (None when unbounded)."""
    return {c.name: c.type.length for c in table.columns if isinstance(c.type, String)}


def bulk_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert many rows with the driver's own executemany.

    Values must already be in storage form (JSON columns as text, datetimes
    aware). This skips per-value processing in SQLAlchemy, which dominates the
    cost of ingesting tens of thousands of findings. ``constants`` are columns
    with the same value in every row, given once instead of in each row.
    """
    if not rows:
        return
    columns = list(rows[0])
    fixed = constants or {}
    names = [*columns, *fixed]
    markers = ", ".join([_marker(connection)] * len(names))
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({markers})"  # noqa: S608 (model names)
    params = _tuples(rows, columns)
    if fixed:
        same = tuple(fixed.values())
        params = [values + same for values in params]
    connection.exec_driver_sql(sql, params)


def bulk_update(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str = "id",
    constants: dict[str, Any] | None = None,
) -> None:
    """Update many rows, each found by its ``key`` column, with one executemany.

    Every row carries the same columns, ``key`` among them; values are in
    storage form as for ``bulk_insert``. ``constants`` are set on every row.
    """
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    fixed = constants or {}
    marker = _marker(connection)
    assignments = ", ".join(f"{name} = {marker}" for name in [*columns, *fixed])
    sql = f"UPDATE {table.name} SET {assignments} WHERE {key} = {marker}"  # noqa: S608 (model names)
    same = tuple(fixed.values())
    params = [
        values + same + (row[key],)
        for values, row in zip(_tuples(rows, columns), rows, strict=True)
    ]
    connection.exec_driver_sql(sql, params)


def _marker(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _tuples(rows: Sequence[dict[str, Any]], columns: list[str]) -> list[Any]:
    """Each row's values as a tuple in ``columns`` order."""
    if not columns:
        return [() for _ in rows]
    if len(columns) == 1:
        only = columns[0]
        return [(row[only],) for row in rows]
    return list(map(operator.itemgetter(*columns), rows))


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    """Create an engine; SQLite gets WAL mode, foreign keys and a busy timeout.

    ``pooled=False`` closes each connection when its session ends, for
    short-lived processes such as CLI commands.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, poolclass=NullPool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if not pooled:
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, pooled: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, pooled=pooled)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed once at the end, rolled back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Apply every pending Alembic migration."""
        command.upgrade(alembic_config(self.url), "head")

    @property
    def is_sqlite(self) -> bool:
        """Whether this database is SQLite."""
        return self.engine.dialect.name == "sqlite"


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at sordino's migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
