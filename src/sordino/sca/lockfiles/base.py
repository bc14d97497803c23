"""Shared pieces of the lockfile parsers: errors, decoding, purls, line lookup."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packageurl import PackageURL

from sordino.ingest.bundle import PackageRecord

Scope = Literal["runtime", "dev", "test", "provided", "optional"]

_PEP503 = re.compile(r"[-_.]+")


class LockfileError(Exception):
    """A manifest or lockfile that cannot be read, naming the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Entry:
    """One package of a lockfile plus the scope it was declared in."""

    record: PackageRecord
    scope: Scope = "runtime"


@dataclass
class Source:
    """A decoded manifest: its text, its repo-relative name and a line index."""

    path: Path
    relative: str
    text: str
    _starts: list[int] = field(default_factory=list)

    def line_of(self, needle: str, start: int = 0) -> int:
        """The 1-based line of the first ``needle`` at or after offset ``start``."""
        offset = self.text.find(needle, start)
        return self.line_at(offset) if offset >= 0 else 0

    def line_starting(self, prefix: str) -> int:
        """The 1-based line of the first line that starts with ``prefix``."""
        if self.text.startswith(prefix):
            return 1
        offset = self.text.find("\n" + prefix)
        return self.line_at(offset + 1) if offset >= 0 else 0

    def line_at(self, offset: int) -> int:
        """The 1-based line holding character ``offset``."""
        if not self._starts:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        low, high = 0, len(self._starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self._starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1

    def location(self, line: int) -> str:
        """``relative/path#line`` (just the path when the line is unknown)."""
        return f"{self.relative}#{line}" if line else self.relative

    def error(self, message: str, line: int = 0) -> LockfileError:
        """A ``LockfileError`` about this file."""
        return LockfileError(self.relative, line, message)


def decode(data: bytes) -> str:
    """Text of a manifest in UTF-8 or UTF-16, with or without a byte-order mark."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    head = data[:200]
    if len(head) >= 2 and head.count(0) * 3 > len(head):
        # No mark, but ASCII text in UTF-16 leaves every other byte zero.
        even_zero = head[0::2].count(0) > head[1::2].count(0)
        return data.decode("utf-16-be" if even_zero else "utf-16-le")
    return data.decode("utf-8")


def load(path: Path, root: Path) -> Source:
    """Read and decode ``path``; undecodable files raise ``LockfileError``."""
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    try:
        text = decode(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise LockfileError(relative, 0, f"not UTF-8 or UTF-16 text: {exc}") from exc
    except OSError as exc:
        raise LockfileError(relative, 0, f"cannot read: {exc.strerror}") from exc
    return Source(path, relative, text.replace("\r\n", "\n"))


def pep503(name: str) -> str:
    """A Python distribution name normalized as PEP 503 prescribes."""
    return _PEP503.sub("-", name).lower()


def record(
    purl_type: str,
    namespace: str,
    name: str,
    version: str,
    *,
    direct: bool,
    location: str,
    license_: str = "",
) -> PackageRecord:
    """A ``PackageRecord`` whose purl is built by packageurl-python."""
    if purl_type == "pypi":
        name = pep503(name)
    purl = PackageURL(
        type=purl_type,
        namespace=namespace or None,
        name=name,
        version=version or None,
    ).to_string()
    return PackageRecord(
        purl=purl,
        type=purl_type,
        namespace=namespace,
        name=name,
        version=version,
        license=license_,
        direct=direct,
        location=location,
    )


def split_npm(name: str) -> tuple[str, str]:
    """``@scope/name`` → (``@scope``, ``name``); unscoped names have no namespace."""
    if name.startswith("@") and "/" in name:
        scope, _, rest = name.partition("/")
        return scope, rest
    return "", name


def split_path(path: str) -> tuple[str, str]:
    """A Go module path or composer name split at its last slash."""
    namespace, _, name = path.rpartition("/")
    return namespace, name


def roots(graph: dict[str, set[str]]) -> set[str]:
    """Nodes nothing else depends on: the direct dependencies when no manifest says."""
    required: set[str] = set()
    for children in graph.values():
        required |= children
    return set(graph) - required
