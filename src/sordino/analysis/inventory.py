"""What a source tree holds: languages, lockfiles and size, found in one walk.

The inventory decides which engines apply and becomes the bundle's
``language``, ``languages`` and ``stats``. Directories that hold third-party or
generated code (dependencies, virtual environments, build output) are pruned,
and files over a size cap are counted as skipped rather than read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 2_000_000

SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "vendor",
        ".venv",
        "venv",
        "virtualenv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        ".eggs",
        "build",
        "dist",
        "target",
        "out",
        ".gradle",
        ".terraform",
        ".next",
        ".idea",
        ".vscode",
    }
)

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".scala": "scala",
    ".go": "go",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".rs": "rust",
    ".swift": "swift",
    ".tf": "terraform",
    ".hcl": "terraform",
    ".sh": "shell",
    ".bash": "shell",
}

# Lockfiles and manifests the SCA parsers read, by exact file name.
LOCKFILE_NAMES: frozenset[str] = frozenset(
    {
        "requirements.txt",
        "Pipfile.lock",
        "poetry.lock",
        "pdm.lock",
        "uv.lock",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "go.mod",
        "go.sum",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
        "gradle.lockfile",
        "Cargo.lock",
        "Gemfile.lock",
        "composer.lock",
    }
)

IAC_LANGUAGES: frozenset[str] = frozenset({"terraform"})

_COMMENT_PREFIXES = (b"#", b"//", b"/*", b"*", b"--")


@dataclass
class LanguageStats:
    """How many files and lines of one language the tree holds."""

    files: int = 0
    lines: int = 0
    code_lines: int = 0


@dataclass
class Inventory:
    """The result of walking a source tree once."""

    root: Path
    languages: dict[str, LanguageStats] = field(default_factory=dict)
    lockfiles: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped_large: int = 0
    unreadable: int = 0

    @property
    def ordered_languages(self) -> list[str]:
        """Language names, the one with most code lines first."""
        return sorted(
            self.languages,
            key=lambda name: (-self.languages[name].code_lines, name),
        )

    @property
    def dominant(self) -> str:
        """The language with most code lines, or ``""`` for a tree with none."""
        ordered = self.ordered_languages
        return ordered[0] if ordered else ""

    def has_any(self, languages: frozenset[str]) -> bool:
        """Whether any of ``languages`` occurs in the tree."""
        return any(name in self.languages for name in languages)

    def stats(self) -> dict[str, object]:
        """The size figures a scan bundle reports."""
        return {
            "files": len(self.files),
            "lines": sum(item.lines for item in self.languages.values()),
            "number_of_expressions": sum(
                item.code_lines for item in self.languages.values()
            ),
            "skipped_large_files": self.skipped_large,
            "unreadable_files": self.unreadable,
            "languages": {
                name: {"files": item.files, "lines": item.lines}
                for name, item in sorted(self.languages.items())
            },
            "lockfiles": [path.as_posix() for path in self.lockfiles],
        }


def language_of(path: str) -> str:
    """The language of a file judged by its extension, or ``""``."""
    return EXTENSIONS.get(os.path.splitext(path)[1].lower(), "")


def _is_skipped_dir(parent: str, name: str) -> bool:
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    # A virtual environment under any other name still holds pyvenv.cfg.
    return os.path.isfile(os.path.join(parent, name, "pyvenv.cfg"))


def _count_lines(path: str) -> tuple[int, int]:
    """Total lines and non-blank, non-comment lines of a text file."""
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\0" in data[:8192]:
        return 0, 0
    lines = data.splitlines()
    code = 0
    for raw in lines:
        text = raw.strip()
        if text and not text.startswith(_COMMENT_PREFIXES):
            code += 1
    return len(lines), code


def walk(root: Path) -> list[Path]:
    """Every regular file under ``root`` outside skipped directories, relative."""
    found: list[Path] = []
    for parent, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _is_skipped_dir(parent, d))
        base = Path(parent).relative_to(root)
        found.extend(base / name for name in sorted(names))
    return found


def scan(root: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> Inventory:
    """Walk ``root`` and measure what it holds."""
    inventory = Inventory(root=root)
    for relative in walk(root):
        full = root / relative
        if not full.is_file() or full.is_symlink():
            continue
        inventory.files.append(relative)
        if relative.name in LOCKFILE_NAMES:
            inventory.lockfiles.append(relative)
        language = language_of(relative.name)
        if not language:
            continue
        try:
            too_large = full.stat().st_size > max_file_bytes
            lines, code = (0, 0) if too_large else _count_lines(str(full))
        except OSError:
            inventory.unreadable += 1
            continue
        if too_large:
            inventory.skipped_large += 1
            continue
        stats = inventory.languages.setdefault(language, LanguageStats())
        stats.files += 1
        stats.lines += lines
        stats.code_lines += code
    return inventory
