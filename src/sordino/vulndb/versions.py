"""Ecosystems, package-name normalization and OSV range evaluation with univers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from univers import versions as uv

_PEP503 = re.compile(r"[-_.]+")

VERSION_CLASSES: dict[str, type[uv.Version]] = {
    "PyPI": uv.PypiVersion,
    "npm": uv.SemverVersion,
    "Go": uv.GolangVersion,
    "Maven": uv.MavenVersion,
    "crates.io": uv.SemverVersion,
    "RubyGems": uv.RubygemsVersion,
    "Packagist": uv.ComposerVersion,
    "NuGet": uv.NugetVersion,
}

PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "composer": "Packagist",
    "nuget": "NuGet",
}


class UnparsableVersion(ValueError):
    """A version string univers cannot read for its ecosystem."""


def normalize_name(ecosystem: str, name: str) -> str:
    """The lookup form of a package name in ``ecosystem``."""
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    if ecosystem in {"crates.io", "Packagist", "npm"}:
        return name.lower()
    return name


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:12`` → ``Debian``: the part that picks a version scheme."""
    return ecosystem.split(":", 1)[0]


@lru_cache(maxsize=200_000)
def parse_version(ecosystem: str, text: str) -> uv.Version:
    """A univers version of ``text``; cached because ranges repeat a lot."""
    cls = VERSION_CLASSES.get(base_ecosystem(ecosystem))
    if cls is None:
        raise UnparsableVersion(f"no version scheme for ecosystem {ecosystem!r}")
    if cls is uv.SemverVersion or cls is uv.GolangVersion:
        text = text.removeprefix("v")
    try:
        return cls(text)
    except (ValueError, TypeError, AttributeError) as exc:
        raise UnparsableVersion(f"{ecosystem} version {text!r}: {exc}") from exc


@dataclass(frozen=True)
class Event:
    """A parsed OSV range event; ``None`` version means 0 (or unbounded limit)."""

    kind: str
    version: uv.Version | None


@dataclass(frozen=True)
class ParsedRange:
    """A SEMVER or ECOSYSTEM range ready to evaluate."""

    events: tuple[Event, ...]
    limits: tuple[Event, ...]
    fixed: tuple[str, ...]


def parse_range(ecosystem: str, events: list[dict[str, str]]) -> ParsedRange:
    """Parse the events of one range; raises ``UnparsableVersion``."""
    parsed: list[Event] = []
    limits: list[Event] = []
    fixed: list[str] = []
    for event in events:
        for kind, text in event.items():
            text = str(text)
            if kind == "fixed":
                fixed.append(text)
            zero = kind == "introduced" and text == "0"
            version = None if zero or text == "*" else parse_version(ecosystem, text)
            (limits if kind == "limit" else parsed).append(Event(kind, version))
    parsed.sort(key=_event_order)
    return ParsedRange(tuple(parsed), tuple(limits), tuple(fixed))


def _event_order(event: Event) -> tuple[int, uv.Version | int]:
    # "introduced: 0" sorts before every real version.
    return (0, 0) if event.version is None else (1, event.version)


def _closes(kind: str, version: uv.Version, bound: uv.Version) -> bool:
    """Whether a ``fixed`` or ``last_affected`` bound ends the affected stretch."""
    if kind == "fixed":
        return bool(version >= bound)
    return kind == "last_affected" and bool(version > bound)


def in_range(version: uv.Version, parsed: ParsedRange) -> bool:
    """Whether ``version`` is affected according to OSV's evaluation rules."""
    affected = False
    for event in parsed.events:
        bound = event.version
        if event.kind == "introduced":
            affected = affected or bound is None or version >= bound
        elif bound is not None and _closes(event.kind, version, bound):
            affected = False
    if affected and parsed.limits:
        return any(e.version is None or version < e.version for e in parsed.limits)
    return affected
