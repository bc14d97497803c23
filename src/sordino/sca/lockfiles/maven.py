"""Maven pom.xml: properties, parent, dependencyManagement and scopes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sordino.sca.lockfiles.base import Entry, Scope, Source, decode, record

_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_SCOPES: dict[str, Scope] = {
    "test": "test",
    "provided": "provided",
    "system": "provided",
}


@dataclass
class Pom:
    """What a pom contributes to its children: properties and managed versions."""

    properties: dict[str, str] = field(default_factory=dict)
    managed: dict[tuple[str, str], str] = field(default_factory=dict)


def _strip_namespaces(element: Element) -> Element:
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    return element


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _parse_xml(text: str, name: str, source: Source) -> Element:
    try:
        return _strip_namespaces(fromstring(text.encode("utf-8")))
    except ParseError as exc:
        line = exc.position[0] if name == source.relative else 0
        raise source.error(f"invalid XML in {name}: {exc}", line) from exc
    except DefusedXmlException as exc:
        raise source.error(f"refused unsafe XML in {name}: {exc}") from exc


def _interpolate(value: str, properties: dict[str, str]) -> str:
    for _ in range(10):  # bounded: properties may refer to each other
        new = _PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
        if new == value:
            break
        value = new
    return value


def _own_properties(project: Element) -> dict[str, str]:
    properties = {}
    node = project.find("properties")
    for child in node if node is not None else []:
        if isinstance(child.tag, str):
            properties[child.tag] = (child.text or "").strip()
    parent = project.find("parent")
    version = _text(project, "version") or _text(parent, "version")
    group = _text(project, "groupId") or _text(parent, "groupId")
    for prefix in ("project.", "pom.", ""):
        properties[f"{prefix}version"] = version
        properties[f"{prefix}groupId"] = group
        properties[f"{prefix}artifactId"] = _text(project, "artifactId")
    properties["project.parent.version"] = _text(parent, "version")
    properties["project.parent.groupId"] = _text(parent, "groupId")
    return properties


def _load_pom(path: Path, source: Source, depth: int = 0) -> tuple[Element, Pom]:
    """A pom and what it inherits from local parents (up to a few levels)."""
    text = source.text if path == source.path else decode(path.read_bytes())
    name = source.relative if path == source.path else path.name
    project = _parse_xml(text, name, source)
    inherited = Pom()
    parent = project.find("parent")
    if parent is not None and depth < 5:
        relative = _text(parent, "relativePath") or "../pom.xml"
        parent_path = (path.parent / relative).resolve()
        if parent_path.is_dir():
            parent_path = parent_path / "pom.xml"
        if parent_path.is_file() and parent_path != path.resolve():
            _, inherited = _load_pom(parent_path, source, depth + 1)
    properties = {**inherited.properties, **_own_properties(project)}
    managed = dict(inherited.managed)
    for dep in project.findall("dependencyManagement/dependencies/dependency"):
        key = (
            _interpolate(_text(dep, "groupId"), properties),
            _interpolate(_text(dep, "artifactId"), properties),
        )
        managed[key] = _interpolate(_text(dep, "version"), properties)
    return project, Pom(properties, managed)


def parse(source: Source) -> list[Entry]:
    """Dependencies declared in a pom.xml, all direct; test scope is marked."""
    project, pom = _load_pom(source.path, source)
    entries = []
    cursor = source.text.find("<dependencies>")
    for dep in project.findall("dependencies/dependency"):
        group = _interpolate(_text(dep, "groupId"), pom.properties)
        artifact = _interpolate(_text(dep, "artifactId"), pom.properties)
        version = _interpolate(_text(dep, "version"), pom.properties)
        version = version or pom.managed.get((group, artifact), "")
        if "${" in version:
            version = ""
        marker = f"<artifactId>{_text(dep, 'artifactId')}</artifactId>"
        offset = source.text.find(marker, max(cursor, 0))
        cursor = offset if offset >= 0 else cursor
        line = source.line_at(offset) if offset >= 0 else 0
        scope = _SCOPES.get(_text(dep, "scope"), "runtime")
        if _text(dep, "optional") == "true" and scope == "runtime":
            scope = "optional"
        rec = record(
            "maven",
            group,
            artifact,
            version,
            direct=True,
            location=source.location(line),
        )
        entries.append(Entry(rec, scope))
    return entries
