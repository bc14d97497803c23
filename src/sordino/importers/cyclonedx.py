"""Import CycloneDX JSON SBOMs, VDRs and VEX documents into a ScanBundle.

The document is streamed: components are converted one at a time as they are
read (nested ones included), so a large SBOM is never held whole. The
``vulnerabilities`` array is kept until the end, because its ``affects``
references may point at components listed after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import structlog
from packageurl import PackageURL

from sordino.importers.cyclonedx_vulns import VulnContext, convert_vulnerability
from sordino.importers.errors import InvalidReportError
from sordino.importers.jsonstream import JsonEvents, event_type
from sordino.importers.shape import JsonObject, arr, obj, pointer, text
from sordino.ingest.bundle import FindingRecord, PackageRecord, ScanBundle

log = structlog.get_logger(__name__)

# 1.2 and 1.3 lay out components and vulnerabilities as later versions do.
SUPPORTED_VERSIONS = frozenset({"1.2", "1.3", "1.4", "1.5", "1.6", "1.7"})


def parse_cyclonedx(stream: IO[bytes], *, app: str) -> ScanBundle:
    """Read a CycloneDX JSON document: its packages and its vulnerabilities."""
    reader = _BomReader(JsonEvents(stream))
    reader.read()
    packages = reader.packages()
    findings = reader.findings()
    log.info(
        "cyclonedx.parsed", app=app, packages=len(packages), findings=len(findings)
    )
    return ScanBundle(
        app=app,
        source="cyclonedx",
        agent=reader.tool,
        packages=packages,
        findings=findings,
        stats={"components": len(reader.components), "vulnerabilities": len(findings)},
    )


def parse_cyclonedx_path(path: str | Path, *, app: str) -> ScanBundle:
    """Read a CycloneDX JSON document from a file."""
    with Path(path).open("rb") as stream:
        return parse_cyclonedx(stream, app=app)


@dataclass
class _BomReader:
    events: JsonEvents
    header: JsonObject = field(default_factory=dict)
    components: list[tuple[str, PackageRecord]] = field(default_factory=list)
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    vulnerabilities: list[Any] = field(default_factory=list)
    tool: str = "cyclonedx"

    def read(self) -> None:
        """Read the whole document and check that it is CycloneDX."""
        event, _ = self.events.next()
        if event != "start_map":
            raise InvalidReportError(
                f"not a CycloneDX document: it is {event_type(event)}, not an object",
                "/",
            )
        for key in self._keys():
            event, value = self.events.next()
            if key == "components":
                self._read_components(event)
            elif key == "vulnerabilities":
                self.vulnerabilities = arr(self.events.value(event, value), f"/{key}")
            elif key in ("bomFormat", "specVersion", "metadata", "dependencies"):
                self.header[key] = self.events.value(event, value)
            else:
                self.events.skip(event)
        self.events.finish()
        self._check_header()

    def _keys(self) -> Iterator[str]:
        while True:
            event, value = self.events.next()
            if event == "end_map":
                return
            yield value

    def _read_components(self, event: str) -> None:
        if event == "null":
            return
        if event != "start_array":
            raise InvalidReportError(
                f"expected an array, found {event_type(event)}", "/components"
            )
        index = 0
        while True:
            event, value = self.events.next()
            if event == "end_array":
                return
            where = pointer("/components", index)
            self._add_component(obj(self.events.value(event, value), where), where)
            index += 1

    def _add_component(self, component: JsonObject, where: str) -> None:
        ref = text(component.get("bom-ref"), pointer(where, "bom-ref"))
        self.components.append((ref, package_record(component, where)))
        nested = arr(component.get("components"), pointer(where, "components"))
        for i, child in enumerate(nested):
            spot = pointer(where, "components", i)
            self._add_component(obj(child, spot), spot)

    def _check_header(self) -> None:
        if self.header.get("bomFormat") != "CycloneDX":
            raise InvalidReportError(
                "not a CycloneDX document: bomFormat is not 'CycloneDX'", "/bomFormat"
            )
        version = self.header.get("specVersion")
        if version not in SUPPORTED_VERSIONS:
            raise InvalidReportError(
                f"unsupported CycloneDX specVersion {version!r}", "/specVersion"
            )
        metadata = obj(self.header.get("metadata"), "/metadata")
        self.tool = _tool_name(metadata) or "cyclonedx"
        deps = arr(self.header.get("dependencies"), "/dependencies")
        for i, item in enumerate(deps):
            entry = obj(item, pointer("/dependencies", i))
            spot = pointer("/dependencies", i, "dependsOn")
            targets = [str(t) for t in arr(entry.get("dependsOn"), spot)]
            self.dependencies[str(entry.get("ref", ""))] = targets

    def _root(self) -> JsonObject:
        metadata = obj(self.header.get("metadata"), "/metadata")
        return obj(metadata.get("component"), "/metadata/component")

    def packages(self) -> list[PackageRecord]:
        """Every component, marked direct when the root depends on it."""
        root_ref = str(self._root().get("bom-ref", ""))
        direct = self.dependencies.get(root_ref)
        for ref, package in self.components:
            package.direct = direct is None or ref in direct
        return [package for _, package in self.components]

    def findings(self) -> list[FindingRecord]:
        """One finding per vulnerability and affected component."""
        by_ref = {ref: package for ref, package in self.components if ref}
        root = self._root()
        if root.get("bom-ref"):
            by_ref.setdefault(
                str(root["bom-ref"]), package_record(root, "/metadata/component")
            )
        ctx = VulnContext(tool=self.tool, by_ref=by_ref)
        found: list[FindingRecord] = []
        for i, item in enumerate(self.vulnerabilities):
            where = pointer("/vulnerabilities", i)
            found.extend(convert_vulnerability(obj(item, where), ctx, where))
        return found


def package_record(component: JsonObject, where: str) -> PackageRecord:
    """A PackageRecord for a component; an unparseable purl is kept as given."""
    name = text(component.get("name"), pointer(where, "name"))
    version = text(component.get("version"), pointer(where, "version"))
    group = text(component.get("group"), pointer(where, "group"))
    raw = text(component.get("purl"), pointer(where, "purl"))
    record = PackageRecord(
        purl=raw or _generic_purl(group, name, version),
        namespace=group,
        name=name,
        version=version,
        license=_license(component, where),
    )
    try:
        purl = PackageURL.from_string(raw) if raw else None
    except ValueError:
        purl = None
    if purl is not None:
        record.type = purl.type
        record.namespace = purl.namespace or group
        record.name = purl.name
        record.version = purl.version or version
    return record


def _generic_purl(group: str, name: str, version: str) -> str:
    return PackageURL(
        type="generic",
        namespace=group or None,
        name=name or "unknown",
        version=version or None,
    ).to_string()


def _license(component: JsonObject, where: str) -> str:
    names: list[str] = []
    spot = pointer(where, "licenses")
    for i, item in enumerate(arr(component.get("licenses"), spot)):
        choice = obj(item, pointer(spot, i))
        if isinstance(choice.get("expression"), str):
            names.append(choice["expression"])
            continue
        licence = obj(choice.get("license"), pointer(spot, i, "license"))
        name = licence.get("id") or licence.get("name")
        if isinstance(name, str):
            names.append(name)
    return ", ".join(dict.fromkeys(names))


def _tool_name(metadata: JsonObject) -> str:
    tools = metadata.get("tools")
    # 1.4 lists tools directly; 1.5 and later group them under components.
    if isinstance(tools, dict):
        tools = tools.get("components")
    if isinstance(tools, list):
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str):
                return str(tool["name"])
    return ""
