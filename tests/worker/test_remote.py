"""Server-side analysis of an uploaded source archive."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from sordino.cli.remote import pack
from sordino.worker.tasks import ArchiveError, extract
from tests.conftest import Api

APP_SOURCE = """
import hashlib


def digest(data):
    return hashlib.md5(data).hexdigest()
"""


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "hashing.py").write_text(APP_SOURCE)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root


def test_pack_leaves_out_vcs_metadata(tmp_path: Path) -> None:
    content = pack(_tree(tmp_path / "src"))
    with tarfile.open(fileobj=io.BytesIO(content)) as archive:
        names = archive.getnames()
    assert "./pkg/hashing.py" in names
    assert not [n for n in names if ".git" in n]


def test_extract_refuses_path_traversal(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"owned"
        info = tarfile.TarInfo("../escape.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(ArchiveError):
        extract(buffer.getvalue(), tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_uploaded_source_is_analysed_by_the_worker(api: Api, tmp_path: Path) -> None:
    content = pack(_tree(tmp_path / "src"))
    queued = api.ok(
        "POST",
        "/orgs/{org}/apps/remote-app/scans/source?branch=main&version=v9",
        content=content,
        headers={"content-type": "application/gzip"},
    )
    scan_id = int(queued["scan"]["id"])
    # Jobs run immediately in tests, right after the request committed.
    with api.db.session() as session:
        from sordino.findings.models import Finding, Occurrence
        from sordino.scans.models import Scan, SourceArchive

        scan = session.get(Scan, scan_id)
        assert scan is not None
        assert scan.status == "completed", scan.failures
        assert scan.branch == "main"
        assert session.get(SourceArchive, scan_id) is None
        rules = dict(
            session.query(Finding.rule_id, Finding.details)
            .join(Occurrence, Occurrence.finding_id == Finding.id)
            .filter(Occurrence.scan_id == scan_id)
            .all()
        )
    # md5 used for hashing: semgrep's finding, which bandit's B324 repeats.
    assert rules["sordino.python.weak-hash"]["detected_by"] == ["bandit", "semgrep"]


def test_a_non_archive_is_refused(api: Api) -> None:
    response = api.post(
        "/orgs/{org}/apps/remote-app/scans/source", content=b"plain text"
    )
    assert response.status_code == 400
    assert response.json()["validation_errors"] == [
        "expected a tar archive (optionally gzip, bzip2 or xz)"
    ]
