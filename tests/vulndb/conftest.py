"""A SQLite advisory database with the real PyPA and Go advisories imported once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import sordino.models  # noqa: F401  (registers every table)
from sordino.db import Base, Database
from sordino.vulndb.service import ImportStats, import_path
from tests.conftest import SHARED_DATA

OSV = SHARED_DATA / "osv"
PYPA = OSV / "pypa-advisory-database" / "vulns"
GO = OSV / "go-vulndb" / "osv"


@dataclass
class Loaded:
    """The database and what the first imports reported."""

    db: Database
    pypa: ImportStats
    go: ImportStats
    seconds: float


def new_database(path: Path) -> Database:
    """An empty SQLite database with every table created."""
    db = Database(f"sqlite:///{path}")
    Base.metadata.create_all(db.engine)
    return db


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    if not OSV.is_dir():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    db = new_database(tmp_path_factory.mktemp("vulndb") / "osv.sqlite")
    started = time.perf_counter()
    with db.session() as session:
        pypa = import_path(session, PYPA)
        go = import_path(session, GO)
    return Loaded(db, pypa, go, time.perf_counter() - started)


@pytest.fixture
def session(loaded: Loaded) -> Iterator[Session]:
    with loaded.db.sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def empty_db(tmp_path: Path) -> Database:
    return new_database(tmp_path / "empty.sqlite")
