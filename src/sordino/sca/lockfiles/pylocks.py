"""Python lockfiles: poetry.lock, Pipfile.lock and uv.lock."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from sordino.sca.lockfiles.base import Entry, Scope, Source, pep503, record, roots

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _toml(source: Source) -> dict[str, Any]:
    try:
        return tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        raise source.error(f"invalid TOML: {exc}", line) from exc


def _json(source: Source) -> Any:
    try:
        return json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise source.error(f"invalid JSON: {exc.msg}", exc.lineno) from exc


def _manifest_names(source: Source, name: str) -> set[str] | None:
    """Normalized dependency names declared in a sibling manifest, if there is one."""
    path = source.path.parent / name
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None
    names: set[str] = set()
    poetry = data.get("tool", {}).get("poetry", {})
    names |= set(poetry.get("dependencies", {}))
    names |= set(poetry.get("dev-dependencies", {}))
    for group in poetry.get("group", {}).values():
        names |= set(group.get("dependencies", {}))
    project = data.get("project", {})
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    for section in ("packages", "dev-packages"):
        names |= set(data.get(section, {}))
    for requirement in requirements:
        if match := _REQ_NAME.match(requirement):
            names.add(match.group(1))
    return {pep503(n) for n in names} - {"python"}


def parse_poetry(source: Source) -> list[Entry]:
    """Packages of a poetry.lock; direct ones come from pyproject.toml when present."""
    data = _toml(source)
    packages = data.get("package", [])
    graph = {
        pep503(p["name"]): {pep503(d) for d in p.get("dependencies", {})}
        for p in packages
    }
    direct = _manifest_names(source, "pyproject.toml") or roots(graph)
    entries = []
    for package in packages:
        name = package.get("name", "")
        line = source.line_starting(f'name = "{name}"')
        if not name or "version" not in package:
            raise source.error("package without name or version", line)
        scope: Scope = "dev" if package.get("category") == "dev" else "runtime"
        rec = record(
            "pypi",
            "",
            name,
            str(package["version"]),
            direct=pep503(name) in direct,
            location=source.location(line),
        )
        entries.append(Entry(rec, scope))
    return entries


def parse_pipfile(source: Source) -> list[Entry]:
    """Packages of a Pipfile.lock, ``develop`` ones in the dev scope."""
    data = _json(source)
    if not isinstance(data, dict):
        raise source.error("expected a JSON object", 1)
    declared = _manifest_names(source, "Pipfile")
    entries = []
    sections: tuple[tuple[str, Scope], ...] = (
        ("default", "runtime"),
        ("develop", "dev"),
    )
    for section, scope in sections:
        start = source.text.find(f'"{section}"')
        for name, info in (data.get(section) or {}).items():
            version = str(info.get("version", "")).lstrip("=")
            line = source.line_of(f'"{name}"', max(start, 0))
            direct = declared is None or pep503(name) in declared
            rec = record(
                "pypi", "", name, version, direct=direct, location=source.location(line)
            )
            entries.append(Entry(rec, scope))
    return entries


def parse_uv(source: Source) -> list[Entry]:
    """Packages of a uv.lock; the project's own entries are left out."""
    data = _toml(source)
    packages = data.get("package", [])
    local = {
        pep503(p["name"])
        for p in packages
        if {"virtual", "editable", "directory"} & set(p.get("source", {}))
    }
    direct: set[str] = set()
    dev: set[str] = set()
    for package in packages:
        if pep503(package["name"]) not in local:
            continue
        direct |= {pep503(d["name"]) for d in package.get("dependencies", [])}
        for group in package.get("dev-dependencies", {}).values():
            dev |= {pep503(d["name"]) for d in group}
    entries = []
    for package in packages:
        name = pep503(package.get("name", ""))
        line = source.line_starting(f'name = "{package.get("name", "")}"')
        if name in local:
            continue
        rec = record(
            "pypi",
            "",
            name,
            str(package.get("version", "")),
            direct=name in direct or name in dev,
            location=source.location(line),
        )
        entries.append(Entry(rec, "dev" if name in dev - direct else "runtime"))
    return entries
