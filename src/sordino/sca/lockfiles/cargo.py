"""Rust Cargo.lock."""

from __future__ import annotations

import re
import tomllib

from sordino.sca.lockfiles.base import Entry, Source, record


def parse(source: Source) -> list[Entry]:
    """Registry and git packages of a Cargo.lock; workspace members are left out."""
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        raise source.error(f"invalid TOML: {exc}", line) from exc
    packages = data.get("package", [])
    direct: set[str] = set()
    for package in packages:
        if "source" not in package:
            direct |= {d.split(" ")[0] for d in package.get("dependencies", [])}
    entries = []
    cursor = 0
    for package in packages:
        name = package.get("name", "")
        offset = source.text.find(f'name = "{name}"', cursor)
        cursor = max(cursor, offset)
        if "source" not in package:
            continue
        rec = record(
            "cargo",
            "",
            name,
            str(package.get("version", "")),
            direct=name in direct,
            location=source.location(source.line_at(offset) if offset >= 0 else 0),
        )
        entries.append(Entry(rec))
    return entries
