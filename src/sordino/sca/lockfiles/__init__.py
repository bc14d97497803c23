"""Dependency inventory: find manifests and lockfiles and read their packages.

``parse_all(root)`` returns the packages of every supported file under
``root``; ``parse_all_with_errors(root)`` also returns the files that could not
be read, and the scope (runtime, dev, test...) each package was declared in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from sordino.ingest.bundle import PackageRecord
from sordino.sca.lockfiles.base import Entry, LockfileError, load
from sordino.sca.lockfiles.registry import FORMATS, format_for

__all__ = [
    "FORMATS",
    "Entry",
    "InventoryResult",
    "LockfileError",
    "discover",
    "parse_all",
    "parse_all_with_errors",
    "parse_entries",
    "parse_file",
]

log = structlog.get_logger(__name__)

_SKIPPED_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    "vendor",
}


@dataclass
class InventoryResult:
    """Packages found under a root, with their scopes, and the unreadable files."""

    entries: list[Entry] = field(default_factory=list)
    errors: list[LockfileError] = field(default_factory=list)

    @property
    def packages(self) -> list[PackageRecord]:
        """The package records alone."""
        return [entry.record for entry in self.entries]


def discover(root: Path) -> list[Path]:
    """Supported manifest and lockfile paths under ``root``, sorted."""
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        found += [Path(directory, f) for f in files if format_for(f) is not None]
    return sorted(found)


def parse_entries(path: Path, root: Path) -> list[Entry]:
    """Packages of one file with their scopes; unreadable files raise LockfileError."""
    fmt = format_for(path.name)
    source = load(path, root)
    if fmt is None:
        raise source.error("not a supported manifest or lockfile")
    return fmt.parse(source)


def parse_file(path: Path, root: Path) -> list[PackageRecord]:
    """Packages of one file; unreadable files raise ``LockfileError``."""
    return [entry.record for entry in parse_entries(path, root)]


def parse_all_with_errors(root: Path) -> InventoryResult:
    """Packages of every supported file under ``root``, plus each file's error."""
    result = InventoryResult()
    seen: set[tuple[str, str]] = set()
    for path in discover(root):
        try:
            entries = parse_entries(path, root)
        except LockfileError as exc:
            log.warning(
                "lockfile.unreadable", file=exc.path, line=exc.line, error=exc.message
            )
            result.errors.append(exc)
            continue
        for entry in entries:
            key = (entry.record.purl, entry.record.location)
            if key not in seen:
                seen.add(key)
                result.entries.append(entry)
    log.info(
        "lockfile.inventory", packages=len(result.entries), errors=len(result.errors)
    )
    return result


def parse_all(root: Path) -> list[PackageRecord]:
    """Packages of every supported file under ``root``; unreadable files are skipped."""
    return parse_all_with_errors(root).packages
