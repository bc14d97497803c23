"""bulk_insert and bulk_update: one executemany each, constants given once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event

from sordino.db import bulk_insert, bulk_update

_META = MetaData()
_ITEMS = Table(
    "items",
    _META,
    Column("id", Integer, primary_key=True),
    Column("name", String),
    Column("size", Integer),
    Column("batch", Integer),
)


def _engine() -> Any:
    engine = create_engine("sqlite://")
    _META.create_all(engine)
    return engine


def _all(connection: Any) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in connection.exec_driver_sql(
            "SELECT id, name, size, batch FROM items ORDER BY id"
        )
    ]


def test_insert_and_update_with_constants() -> None:
    engine = _engine()
    executed: list[str] = []
    event.listen(
        engine, "before_cursor_execute", lambda *args: executed.append(args[2])
    )
    with engine.begin() as connection:
        bulk_insert(
            connection,
            _ITEMS,
            [{"id": 1, "name": "a", "size": 10}, {"id": 2, "name": "b", "size": 20}],
            constants={"batch": 7},
        )
        bulk_update(
            connection,
            _ITEMS,
            [{"name": "b2", "size": 21, "id": 2}, {"name": "a2", "size": 11, "id": 1}],
            constants={"batch": 8},
        )
        writes = list(executed)
        assert _all(connection) == [(1, "a2", 11, 8), (2, "b2", 21, 8)]
    assert writes == [
        "INSERT INTO items (id, name, size, batch) VALUES (?, ?, ?, ?)",
        "UPDATE items SET name = ?, size = ?, batch = ? WHERE id = ?",
    ]


def test_single_column_rows_and_empty_input() -> None:
    engine = _engine()
    with engine.begin() as connection:
        bulk_insert(connection, _ITEMS, [])
        bulk_update(connection, _ITEMS, [])
        bulk_insert(connection, _ITEMS, [{"id": 5}, {"id": 6}])
        bulk_update(connection, _ITEMS, [{"id": 6}], constants={"size": 3})
        assert _all(connection) == [(5, None, None, None), (6, None, 3, None)]


def test_update_by_another_key_column() -> None:
    engine = _engine()
    with engine.begin() as connection:
        bulk_insert(connection, _ITEMS, [{"id": 1, "name": "x", "size": 1}])
        bulk_update(connection, _ITEMS, [{"name": "x", "size": 9}], key="name")
        assert _all(connection) == [(1, "x", 9, None)]
