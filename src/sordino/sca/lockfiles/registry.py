"""The explicit table of supported manifest and lockfile formats."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass

from sordino.sca.lockfiles import (
    cargo,
    composer,
    golang,
    gradle,
    maven,
    npm,
    pnpm,
    pylocks,
    requirements,
    ruby,
    yarn,
)
from sordino.sca.lockfiles.base import Entry, Source

Parser = Callable[[Source], list[Entry]]


@dataclass(frozen=True)
class Format:
    """A format: its name, the file names it claims and its parser."""

    name: str
    patterns: tuple[str, ...]
    parse: Parser


FORMATS: tuple[Format, ...] = (
    Format(
        "requirements", ("requirements*.txt", "*requirements.txt"), requirements.parse
    ),
    Format("poetry", ("poetry.lock",), pylocks.parse_poetry),
    Format("pipenv", ("Pipfile.lock",), pylocks.parse_pipfile),
    Format("uv", ("uv.lock",), pylocks.parse_uv),
    Format("npm", ("package-lock.json", "npm-shrinkwrap.json"), npm.parse),
    Format("yarn", ("yarn.lock",), yarn.parse),
    Format("pnpm", ("pnpm-lock.yaml",), pnpm.parse),
    Format("gomod", ("go.mod",), golang.parse),
    Format("maven", ("pom.xml",), maven.parse),
    Format("gradle", ("gradle.lockfile", "*.lockfile"), gradle.parse),
    Format("cargo", ("Cargo.lock",), cargo.parse),
    Format("bundler", ("Gemfile.lock", "gems.locked"), ruby.parse),
    Format("composer", ("composer.lock",), composer.parse),
)


def format_for(file_name: str) -> Format | None:
    """The format that claims ``file_name``, if any."""
    for fmt in FORMATS:
        if any(fnmatch.fnmatchcase(file_name, p) for p in fmt.patterns):
            return fmt
    return None
