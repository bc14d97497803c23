"""PHP composer.lock."""

from __future__ import annotations

import json
from typing import Any

from sordino.sca.lockfiles.base import Entry, Scope, Source, record, roots, split_path


def _declared(source: Source) -> set[str] | None:
    path = source.path.parent / "composer.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return set(manifest.get("require") or {}) | set(manifest.get("require-dev") or {})


def parse(source: Source) -> list[Entry]:
    """``packages`` (runtime) and ``packages-dev`` (dev) of a composer.lock."""
    try:
        data = json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise source.error(f"invalid JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(data, dict):
        raise source.error("expected a JSON object", 1)
    sections: list[tuple[Scope, list[dict[str, Any]]]] = [
        ("runtime", data.get("packages") or []),
        ("dev", data.get("packages-dev") or []),
    ]
    graph = {
        p.get("name", ""): set(p.get("require") or {}) for _, ps in sections for p in ps
    }
    direct = _declared(source) or roots(graph)
    entries = []
    for scope, packages in sections:
        for package in packages:
            name = package.get("name", "")
            namespace, short = split_path(name)
            licenses = package.get("license") or []
            rec = record(
                "composer",
                namespace,
                short,
                str(package.get("version", "")).removeprefix("v"),
                direct=name in direct,
                location=source.location(source.line_of(f'"name": "{name}"')),
                license_=" OR ".join(licenses) if isinstance(licenses, list) else "",
            )
            entries.append(Entry(rec, scope))
    return entries
