"""pnpm-lock.yaml, lockfile versions 5 to 9."""

from __future__ import annotations

import re
from typing import Any

import yaml

from sordino.sca.lockfiles.base import Entry, Scope, Source, record, split_npm

_PEER_SUFFIX = re.compile(r"\(.*\)$|_.*$")


def _load(source: Source) -> dict[str, Any]:
    try:
        data = yaml.safe_load(source.text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise source.error(f"invalid YAML: {exc}", line) from exc
    if not isinstance(data, dict):
        raise source.error("expected a YAML mapping", 1)
    return data


def _split_key(key: str) -> tuple[str, str]:
    """A ``packages`` key (``/a/1.0``, ``/a@1.0``, ``a@1.0(peer)``) → name, version."""
    key = _PEER_SUFFIX.sub("", key.lstrip("/"))
    at = key.rfind("@")
    if at > 0:
        return key[:at], key[at + 1 :]
    name, _, version = key.rpartition("/")
    return name, version


def _direct_names(data: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Names the importers depend on directly, and those only as dev dependencies."""
    importers = data.get("importers") or {".": data}
    runtime: set[str] = set()
    dev: set[str] = set()
    for importer in importers.values():
        for key in ("dependencies", "optionalDependencies"):
            runtime |= set(importer.get(key) or {})
        dev |= set(importer.get("devDependencies") or {})
    return runtime | dev, dev - runtime


def parse(source: Source) -> list[Entry]:
    """Packages of a pnpm-lock.yaml."""
    data = _load(source)
    direct, dev_only = _direct_names(data)
    entries = []
    seen: set[tuple[str, str]] = set()
    for key, info in (data.get("packages") or {}).items():
        info = info or {}
        name, version = _split_key(str(key))
        name = info.get("name", name)
        version = str(info.get("version", version))
        if not name or not version or (name, version) in seen:
            continue
        seen.add((name, version))
        namespace, short = split_npm(name)
        line = source.line_of(f"{key}:") or source.line_of(str(key))
        scope: Scope = "dev" if info.get("dev") or name in dev_only else "runtime"
        rec = record(
            "npm",
            namespace,
            short,
            version,
            direct=name in direct,
            location=source.location(line),
        )
        entries.append(Entry(rec, scope))
    return entries
