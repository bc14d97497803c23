"""Bundler's Gemfile.lock."""

from __future__ import annotations

import re

from sordino.sca.lockfiles.base import Entry, Source, record

_SPEC = re.compile(r"^    ([^\s(]+) \(([^)]+)\)\s*$")
_DEPENDENCY = re.compile(r"^  ([^\s(!]+)")
_PLATFORM = re.compile(r"-(x86|x64|arm|aarch|universal|java|mswin|mingw|darwin|linux)")


def parse(source: Source) -> list[Entry]:
    """Gems of the GEM, GIT and PATH sections; DEPENDENCIES names the direct ones."""
    specs: list[tuple[int, str, str]] = []
    declared: set[str] = set()
    section = ""
    for number, line in enumerate(source.text.split("\n"), start=1):
        if line and not line[0].isspace():
            section = line.strip()
        elif section in {"GEM", "GIT", "PATH"} and line.startswith("    "):
            if match := _SPEC.match(line):
                version = _PLATFORM.split(match.group(2), maxsplit=1)[0]
                specs.append((number, match.group(1), version))
            elif not line.startswith("      "):
                raise source.error(f"cannot read gem spec {line.strip()!r}", number)
        elif section == "DEPENDENCIES" and (match := _DEPENDENCY.match(line)):
            declared.add(match.group(1))
    entries = []
    for number, name, version in specs:
        rec = record(
            "gem",
            "",
            name,
            version,
            direct=name in declared,
            location=source.location(number),
        )
        entries.append(Entry(rec))
    return entries
