"""yarn.lock, both the classic (v1) format and berry's YAML format."""

from __future__ import annotations

import json
import re

from sordino.sca.lockfiles.base import Entry, Source, record, roots, split_npm

_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')
_DEP_HEADER = re.compile(r"^\s+(dependencies|optionalDependencies):?\s*$")
_DEP_LINE = re.compile(r'^\s+"?(@?[^"\s:@]+(?:/[^"\s:@]+)?)"?:?\s')


def _descriptor_name(descriptor: str) -> str:
    """``"@scope/name@npm:^1.0"`` → ``@scope/name``."""
    descriptor = descriptor.strip().strip('"')
    at = descriptor.find("@", 1)
    return descriptor[:at] if at > 0 else descriptor


def _blocks(source: Source) -> list[tuple[int, str, list[str]]]:
    """(line, header, body lines) of each top-level entry."""
    blocks: list[tuple[int, str, list[str]]] = []
    for number, line in enumerate(source.text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if not line.rstrip().endswith(":"):
                raise source.error(f"unexpected line {line.strip()!r}", number)
            blocks.append((number, line.rstrip()[:-1], []))
        elif blocks:
            blocks[-1][2].append(line)
        else:
            raise source.error("indented line before any entry", number)
    return blocks


def _declared(source: Source) -> set[str] | None:
    path = source.path.parent / "package.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    names: set[str] = set()
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        names |= set(manifest.get(key) or {})
    return names


def parse(source: Source) -> list[Entry]:
    """Packages of a yarn.lock; the workspace's own entries are left out."""
    found: list[tuple[int, str, str]] = []
    graph: dict[str, set[str]] = {}
    for line_no, header, body in _blocks(source):
        if header == "__metadata" or "@workspace:" in header:
            continue
        name = _descriptor_name(header.split(",")[0])
        version = next((m.group(1) for b in body if (m := _VERSION.match(b))), "")
        if not version:
            raise source.error(f"entry {name!r} has no version", line_no)
        found.append((line_no, name, version))
        graph.setdefault(name, set()).update(_dependencies(body))
    declared = _declared(source)
    direct = declared if declared is not None else roots(graph)
    entries = []
    for line_no, name, version in found:
        namespace, short = split_npm(name)
        location = source.location(line_no)
        rec = record(
            "npm", namespace, short, version, direct=name in direct, location=location
        )
        entries.append(Entry(rec))
    return entries


def _dependencies(body: list[str]) -> set[str]:
    names: set[str] = set()
    inside = False
    for line in body:
        if _DEP_HEADER.match(line):
            inside = True
        elif inside and line.startswith("    ") and (m := _DEP_LINE.match(line)):
            names.add(m.group(1))
        else:
            inside = False
    return names
