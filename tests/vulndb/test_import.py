"""Importing the real PyPA (YAML) and Go (JSON) advisory databases."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sordino.db import Database
from sordino.vulndb.models import AffectedPackage
from sordino.vulndb.service import VulnDbError, import_path, status
from tests.vulndb.conftest import GO, PYPA, Loaded


def _count_files(folder: Path, suffix: str) -> int:
    return sum(1 for _ in folder.rglob(f"*{suffix}"))


def test_first_import_reads_every_file(loaded: Loaded) -> None:
    assert loaded.pypa.inserted == _count_files(PYPA, ".yaml")
    assert loaded.go.inserted == _count_files(GO, ".json")
    assert loaded.pypa.errors == []
    assert loaded.go.errors == []
    assert loaded.seconds < 60


def test_second_import_changes_nothing(loaded: Loaded) -> None:
    with loaded.db.session() as session:
        again = import_path(session, PYPA)
    assert again.read == loaded.pypa.read
    assert (again.inserted, again.updated) == (0, 0)
    assert again.unchanged == loaded.pypa.read


def test_status_counts_by_ecosystem(loaded: Loaded) -> None:
    with loaded.db.sessions() as session:
        current = status(session)
    assert current.by_ecosystem == {
        "Go": _count_files(GO, ".json"),
        "PyPI": _count_files(PYPA, ".yaml"),
    }
    assert current.newest_modified is not None
    assert current.last_import is not None
    assert not current.empty


def test_go_symbols_are_stored(loaded: Loaded) -> None:
    with loaded.db.sessions() as session:
        row = session.scalars(
            select(AffectedPackage).where(AffectedPackage.advisory_id == "GO-2021-0113")
        ).one()
    assert row.name == "golang.org/x/text"
    assert "golang.org/x/text/language.Parse" in row.symbols
    assert row.modules == ["golang.org/x/text/language"]


def _advisory(modified: str, fixed: str) -> dict[str, object]:
    return {
        "id": "TEST-2024-0001",
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "left-pad"},
                "ranges": [
                    {
                        "type": "SEMVER",
                        "events": [{"introduced": "0"}, {"fixed": fixed}],
                    }
                ],
            }
        ],
    }


def test_zip_import_updates_when_modified_changes(
    empty_db: Database, tmp_path: Path
) -> None:
    archive = tmp_path / "npm.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(
            "TEST-2024-0001.json",
            json.dumps(_advisory("2024-01-01T00:00:00Z", "1.0.0")),
        )
        out.writestr("broken.json", "{not json")
    with empty_db.session() as session:
        first = import_path(session, archive)
    assert (first.inserted, len(first.errors)) == (1, 1)
    assert "broken.json" in first.errors[0]
    update = tmp_path / "update.json"
    update.write_text(json.dumps(_advisory("2024-02-01T00:00:00Z", "1.3.0")))
    with empty_db.session() as session:
        second = import_path(session, update)
        rows = session.scalars(select(AffectedPackage)).all()
        count = session.scalar(select(func.count()).select_from(AffectedPackage))
    assert (second.inserted, second.updated) == (0, 1)
    assert count == 1
    assert rows[0].ranges[0]["events"][1] == {"fixed": "1.3.0"}


def test_missing_path_is_a_clear_error(empty_db: Database, tmp_path: Path) -> None:
    with (
        empty_db.session() as session,
        pytest.raises(VulnDbError, match="does not exist"),
    ):
        import_path(session, tmp_path / "nowhere")


def test_empty_database_status(empty_db: Database) -> None:
    with empty_db.sessions() as session:
        current = status(session)
    assert current.empty
    assert current.by_ecosystem == {}
    assert current.last_import is None


def test_content_change_with_the_same_modified_time_is_an_update(
    empty_db: Database, tmp_path: Path
) -> None:
    # Go's export stamps every advisory 0001-01-01: only the content tells.
    source = tmp_path / "TEST-2024-0001.json"
    source.write_text(json.dumps(_advisory("0001-01-01T00:00:00Z", "1.0.0")))
    with empty_db.session() as session:
        assert import_path(session, source).inserted == 1
    with empty_db.session() as session:
        assert import_path(session, source).unchanged == 1
    source.write_text(json.dumps(_advisory("0001-01-01T00:00:00Z", "1.2.0")))
    with empty_db.session() as session:
        again = import_path(session, source)
        row = session.scalars(select(AffectedPackage)).one()
    assert (again.updated, again.unchanged) == (1, 0)
    assert row.ranges[0]["events"][1] == {"fixed": "1.2.0"}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"affected": "nope"}, "/affected must be an array"),
        ({"affected": ["x"]}, "/affected/0 must be an object"),
        ({"affected": [{"package": None, "ranges": "x"}]}, "/affected/0/ranges"),
        ({"affected": [{"package": "npm"}]}, "/affected/0/package must be an object"),
        (
            {"affected": [{"ranges": [{"type": "SEMVER", "events": "x"}]}]},
            "/affected/0/ranges/0/events must be an array",
        ),
        (
            {"affected": [{"ranges": [{"events": [{"fixed": ["1"]}]}]}]},
            "/affected/0/ranges/0/events/0/fixed must be a string",
        ),
        (
            {"affected": [{"ecosystem_specific": {"imports": "bad"}}]},
            "/affected/0/ecosystem_specific/imports must be an array",
        ),
        (
            {"affected": [{"ecosystem_specific": {"imports": [{"symbols": "F"}]}}]},
            "/affected/0/ecosystem_specific/imports/0/symbols must be an array",
        ),
        ({"affected": [{"versions": "2.0.0"}]}, "/affected/0/versions must be an"),
        ({"aliases": "CVE-1"}, "/aliases must be an array"),
        ({"severity": [["CVSS_V3"]]}, "/severity/0 must be an object"),
    ],
)
def test_malformed_advisory_is_skipped_and_the_rest_imported(
    empty_db: Database, tmp_path: Path, change: dict[str, object], where: str
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(_advisory("2024-01-01T00:00Z", "1")))
    bad = {"id": "BAD-1", **change}
    (folder / "bad.json").write_text(json.dumps(bad))
    with empty_db.session() as session:
        stats = import_path(session, folder)
        stored = session.scalar(select(func.count()).select_from(AffectedPackage))
    assert stats.inserted == 1
    assert stored == 1
    assert len(stats.errors) == 1
    assert "bad.json: BAD-1 is not valid OSV" in stats.errors[0]
    assert where in stats.errors[0]
