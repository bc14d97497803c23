"""npm package-lock.json (lockfile versions 1, 2 and 3)."""

from __future__ import annotations

import json
from typing import Any

from sordino.sca.lockfiles.base import Entry, Scope, Source, record, roots, split_npm

_DEP_KEYS = ("dependencies", "devDependencies", "optionalDependencies")


def parse(source: Source) -> list[Entry]:
    """Packages of a package-lock.json, using ``packages`` when it is there."""
    try:
        data = json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise source.error(f"invalid JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(data, dict):
        raise source.error("expected a JSON object", 1)
    if isinstance(data.get("packages"), dict):
        return _parse_packages(source, data["packages"])
    tree = data.get("dependencies") or {}
    declared = _declared(source)
    if declared is None:
        graph = {name: set(info.get("requires") or {}) for name, info in tree.items()}
        declared = roots(graph)
    return _parse_v1(source, tree, declared)


def _declared(source: Source) -> set[str] | None:
    """Names the sibling package.json declares, when there is one."""
    path = source.path.parent / "package.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(manifest, dict):
        return None
    names: set[str] = set()
    for key in (*_DEP_KEYS, "peerDependencies"):
        names |= set(manifest.get(key) or {})
    return names


def _name_of(path: str) -> str:
    return path.rsplit("node_modules/", 1)[-1]


def _scope(info: dict[str, Any]) -> Scope:
    if info.get("dev"):
        return "dev"
    return "optional" if info.get("optional") else "runtime"


def _parse_packages(source: Source, packages: dict[str, Any]) -> list[Entry]:
    root = packages.get("", {})
    direct: set[str] = set()
    for key in (*_DEP_KEYS, "peerDependencies"):
        direct |= set(root.get(key) or {})
    entries = []
    for path, info in packages.items():
        if not path or "node_modules/" not in path or info.get("link"):
            continue
        name = info.get("name") or _name_of(path)
        namespace, short = split_npm(name)
        top_level = path == f"node_modules/{name}"
        rec = record(
            "npm",
            namespace,
            short,
            str(info.get("version", "")),
            direct=top_level and name in direct,
            location=source.location(source.line_of(f'"{path}"')),
            license_=_license(info.get("license")),
        )
        entries.append(Entry(rec, _scope(info)))
    return entries


def _license(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("type", ""))
    return value if isinstance(value, str) else ""


def _parse_v1(
    source: Source, tree: dict[str, Any], declared: set[str], depth: int = 0
) -> list[Entry]:
    """Walk lockfile v1's nested ``dependencies`` tree."""
    entries = []
    for name, info in tree.items():
        namespace, short = split_npm(name)
        direct = depth == 0 and name in declared
        rec = record(
            "npm",
            namespace,
            short,
            str(info.get("version", "")),
            direct=direct,
            location=source.location(source.line_of(f'"{name}": {{')),
        )
        entries.append(Entry(rec, _scope(info)))
        entries += _parse_v1(source, info.get("dependencies") or {}, set(), depth + 1)
    return entries
