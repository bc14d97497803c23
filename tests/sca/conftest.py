"""Databases for SCA tests: the real PyPA and Go advisories, and an org to scan."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sordino.db import Database
from sordino.orgs import service as orgs
from sordino.vulndb.service import import_path
from tests.conftest import TEST_KEY
from tests.vulndb.conftest import GO, OSV, PYPA, new_database

DATA = OSV.parent
LOCKFILES = DATA / "lockfiles"


@dataclass
class OsvStore:
    """A database holding every shared advisory, and an org in it."""

    db: Database
    org_id: str


def make_org(session: Session) -> str:
    """A new org (with its admin and token) and its id."""
    made = orgs.create(
        session,
        name=f"sca-{uuid.uuid4().hex[:6]}",
        email=f"admin-{uuid.uuid4().hex[:8]}@example.com",
        key=TEST_KEY,
        issuer="sordino",
    )
    return made.org.id


@pytest.fixture(scope="session")
def osv_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OsvStore]:
    if not OSV.is_dir():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    db = new_database(tmp_path_factory.mktemp("sca") / "osv.sqlite")
    with db.session() as session:
        import_path(session, PYPA)
        import_path(session, GO)
        org_id = make_org(session)
    yield OsvStore(db, org_id)
    db.engine.dispose()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[OsvStore]:
    db = new_database(tmp_path / "empty.sqlite")
    with db.session() as session:
        org_id = make_org(session)
    yield OsvStore(db, org_id)
    db.engine.dispose()
