"""pip requirements files: pins, hashes, extras, markers and ``-r`` includes."""

from __future__ import annotations

import re
from pathlib import Path

from sordino.sca.lockfiles.base import Entry, LockfileError, Source, load, record

_COMMENT = re.compile(r"(^|\s)#.*$")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_PIN = re.compile(r"^===?\s*([^\s,;*]+)$")
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s+|=)(\S+)")
_SKIPPED_OPTION = re.compile(r"^-")


def parse(source: Source) -> list[Entry]:
    """Every requirement of ``source`` and of the files it includes with ``-r``."""
    root = _root_of(source)
    return _parse(source, root, {source.path.resolve()})


def _root_of(source: Source) -> Path:
    depth = source.relative.count("/")
    root = source.path.parent
    for _ in range(depth):
        root = root.parent
    return root


def _parse(source: Source, root: Path, seen: set[Path]) -> list[Entry]:
    entries: list[Entry] = []
    for line_no, line in _logical_lines(source.text):
        include = _INCLUDE.match(line)
        if include:
            entries += _include(source, root, seen, include.group(1), line_no)
        elif line and not _SKIPPED_OPTION.match(line):
            entries.append(_requirement(source, line, line_no))
    return entries


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and ``\\`` continuations joined."""
    result: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _COMMENT.sub("", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        result.append((start, (pending + line).strip()))
        pending = ""
    if pending.strip():
        result.append((start, pending.strip()))
    return result


def _include(
    source: Source, root: Path, seen: set[Path], target: str, line_no: int
) -> list[Entry]:
    path = (source.path.parent / target).resolve()
    if path in seen:
        return []
    if not path.is_file():
        raise source.error(f"included file {target!r} does not exist", line_no)
    seen.add(path)
    try:
        included = load(path, root)
    except LockfileError as exc:
        raise source.error(f"cannot read included {target!r}: {exc}", line_no) from exc
    return _parse(included, root, seen)


def _requirement(source: Source, line: str, line_no: int) -> Entry:
    """One requirement; only an exact ``==`` pin gives a version."""
    spec = line.split(";", 1)[0]
    spec = re.split(r"\s--?[a-z]", " " + spec, maxsplit=1)[0].strip()
    match = _NAME.match(spec)
    if not match:
        raise source.error(f"cannot read requirement {line!r}", line_no)
    name, _extras, rest = match.groups()
    pin = _PIN.match(rest.strip())
    version = pin.group(1) if pin else ""
    return Entry(
        record(
            "pypi",
            "",
            name,
            version,
            direct=True,
            location=source.location(line_no),
        )
    )
