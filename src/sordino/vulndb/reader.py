"""Reading OSV documents from a zip, a folder, a JSON file or a YAML file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sordino.vulndb.versions import normalize_name

_SUFFIXES = (".json", ".yaml", ".yml")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class VulnDbError(Exception):
    """Advisory data that cannot be read."""


@dataclass(frozen=True)
class Document:
    """An advisory file's parsed content, or the reason it could not be parsed."""

    name: str
    data: dict[str, Any] | None
    error: str = ""


def iter_documents(path: Path) -> Iterator[Document]:
    """Each advisory found at ``path`` (zip, folder searched recursively, file)."""
    if not path.exists():
        raise VulnDbError(f"{path} does not exist")
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.suffix in _SUFFIXES and child.is_file():
                yield from _parse(str(child), child.read_bytes())
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(_SUFFIXES):
                    yield from _parse(f"{path}!{member}", archive.read(member))
    elif path.suffix in _SUFFIXES:
        yield from _parse(str(path), path.read_bytes())
    else:
        raise VulnDbError(f"{path} is not a zip, a folder, a .json or a .yaml file")


def _parse(name: str, raw: bytes) -> Iterator[Document]:
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text) if name.endswith(".json") else yaml.load(text, _Loader)  # noqa: S506
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        yield Document(name, None, f"unreadable: {exc}")
        return
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            yield Document(name, None, "not an OSV advisory (no id)")
        elif problem := shape_error(item):
            yield Document(name, None, f"{item['id']} is not valid OSV: {problem}")
        else:
            yield Document(name, item)


# The parts of an OSV document that importing and matching walk into, with the
# JSON type each must have (OSV schema 1.6). Anything else is kept as it is.
_ARRAY_OF_OBJECTS = ("affected", "severity", "references", "credits")
_ARRAY_OF_STRINGS = ("aliases", "related")


def shape_error(data: dict[str, Any]) -> str:
    """What makes ``data`` unusable as an OSV advisory, or "" when it is usable.

    Only the structure is checked, so that a document that imports can always
    be matched; unknown fields and unparsable versions are left to matching,
    which counts them.
    """
    for key in _ARRAY_OF_OBJECTS:
        if problem := _objects(data.get(key), f"/{key}"):
            return problem
    for key in _ARRAY_OF_STRINGS:
        if problem := _strings(data.get(key), f"/{key}"):
            return problem
    for key in ("summary", "details", "modified", "published", "withdrawn"):
        if data.get(key) is not None and not isinstance(data[key], str | dt.datetime):
            return f"/{key} must be a string"
    for key in ("database_specific",):
        if data.get(key) is not None and not isinstance(data[key], dict):
            return f"/{key} must be an object"
    for i, affected in enumerate(data.get("affected") or []):
        if problem := _affected_error(affected, f"/affected/{i}"):
            return problem
    return ""


def _affected_error(affected: dict[str, Any], where: str) -> str:
    for key in ("package", "ecosystem_specific", "database_specific"):
        if affected.get(key) is not None and not isinstance(affected[key], dict):
            return f"{where}/{key} must be an object"
    if problem := _strings(affected.get("versions"), f"{where}/versions", scalar=True):
        return problem
    if problem := _objects(affected.get("ranges"), f"{where}/ranges"):
        return problem
    for i, item in enumerate(affected.get("ranges") or []):
        events = item.get("events")
        if problem := _objects(events, f"{where}/ranges/{i}/events"):
            return problem
        for j, event in enumerate(events or []):
            for kind, value in event.items():
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    return f"{where}/ranges/{i}/events/{j}/{kind} must be a string"
    imports = (affected.get("ecosystem_specific") or {}).get("imports")
    if problem := _objects(imports, f"{where}/ecosystem_specific/imports"):
        return problem
    for i, entry in enumerate(imports or []):
        path = f"{where}/ecosystem_specific/imports/{i}/symbols"
        if problem := _strings(entry.get("symbols"), path):
            return problem
    return ""


def _objects(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, list):
        return f"{where} must be an array"
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            return f"{where}/{i} must be an object"
    return ""


def _strings(value: Any, where: str, *, scalar: bool = False) -> str:
    """Check an array of strings (with ``scalar``, numbers pass as YAML gives them)."""
    if value is None:
        return ""
    if not isinstance(value, list):
        return f"{where} must be an array"
    allowed = (str, int, float) if scalar else (str,)
    for i, item in enumerate(value):
        if not isinstance(item, allowed) or isinstance(item, bool):
            return f"{where}/{i} must be a string"
    return ""


def digest(data: dict[str, Any]) -> str:
    """A stable hash of a document's content, whatever its key order."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_time(value: Any) -> dt.datetime | None:
    """An OSV timestamp as a naive UTC datetime (how every backend compares them)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def advisory_row(data: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``vulndb_advisories`` row of an OSV document."""
    affected = data.get("affected") or []
    first = affected[0].get("package", {}) if affected else {}
    return {
        "id": data["id"],
        "ecosystem": str(first.get("ecosystem", "")),
        "modified": parse_time(data.get("modified")) or dt.datetime(1, 1, 1),
        "published": parse_time(data.get("published")),
        "withdrawn": parse_time(data.get("withdrawn")),
        "summary": str(data.get("summary") or ""),
        "details": str(data.get("details") or ""),
        "aliases": [str(a) for a in data.get("aliases") or []],
        "severity": list(data.get("severity") or []),
        "references": list(data.get("references") or []),
        "database_specific": dict(data.get("database_specific") or {}),
        "source": source,
        "digest": digest(data),
    }


def affected_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``vulndb_affected`` rows of an OSV document."""
    rows = []
    for affected in data.get("affected") or []:
        package = affected.get("package") or {}
        ecosystem = str(package.get("ecosystem", ""))
        name = str(package.get("name", ""))
        if not ecosystem or not name:
            continue
        symbols, modules = _symbols(affected)
        rows.append(
            {
                "advisory_id": data["id"],
                "ecosystem": ecosystem,
                "name": normalize_name(ecosystem, name),
                "purl": str(package.get("purl", "")),
                "ranges": list(affected.get("ranges") or []),
                "versions": [str(v) for v in affected.get("versions") or []],
                "symbols": symbols,
                "modules": modules,
            }
        )
    return rows


def _symbols(affected: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Affected symbols (``importpath.Symbol`` for Go) and the import paths."""
    specific = affected.get("ecosystem_specific") or {}
    symbols: list[str] = []
    modules: list[str] = []
    for entry in specific.get("imports") or []:
        path = str(entry.get("path", ""))
        modules.append(path)
        symbols += [f"{path}.{s}" for s in entry.get("symbols") or []]
    for holder in (specific, affected.get("database_specific") or {}):
        symbols += [str(f) for f in holder.get("affected_functions") or []]
    return symbols, modules
