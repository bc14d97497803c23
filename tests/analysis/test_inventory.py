"""Tests for the source-tree inventory."""

from __future__ import annotations

from pathlib import Path

from sordino.analysis.inventory import language_of, scan, walk
from tests.analysis.tree import make_tree


def test_languages_lockfiles_and_counts(tmp_path: Path) -> None:
    inventory = scan(make_tree(tmp_path, "many"))
    # views.py: 22 lines, 16 non-blank; server.js: 10 lines, 8 non-blank.
    assert inventory.languages["python"].files == 1
    assert inventory.languages["python"].lines == 22
    assert inventory.languages["python"].code_lines == 16
    assert inventory.languages["javascript"].lines == 10
    assert inventory.languages["javascript"].code_lines == 8
    assert inventory.languages["terraform"].files == 1
    assert inventory.lockfiles == [Path("requirements.txt")]
    assert inventory.dominant == "python"
    assert inventory.ordered_languages == ["python", "javascript", "terraform"]


def test_skipped_directories_are_not_walked(tmp_path: Path) -> None:
    make_tree(tmp_path, "many")
    venv = tmp_path / "odd-env-name"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib.py").write_text("x = 1\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    files = {path.as_posix() for path in walk(tmp_path)}
    assert "node_modules/lib/index.js" not in files
    assert "odd-env-name/lib.py" not in files
    assert ".git/config" not in files
    assert "app/views.py" in files


def test_stats_shape(tmp_path: Path) -> None:
    stats = scan(make_tree(tmp_path, "many")).stats()
    assert stats["files"] == 4
    assert stats["lines"] == 22 + 10 + 4
    assert stats["number_of_expressions"] == 16 + 8 + 4
    assert stats["lockfiles"] == ["requirements.txt"]


def test_large_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "blob.js").write_bytes(b"\0\1\2binary")
    inventory = scan(tmp_path, max_file_bytes=50)
    assert inventory.skipped_large == 1
    assert "python" not in inventory.languages
    assert inventory.languages["javascript"].lines == 0


def test_empty_tree(tmp_path: Path) -> None:
    inventory = scan(tmp_path)
    assert inventory.dominant == ""
    assert inventory.stats()["files"] == 0


def test_language_of() -> None:
    assert language_of("a/b.TS") == "typescript"
    assert language_of("main.tf") == "terraform"
    assert language_of("README") == ""
