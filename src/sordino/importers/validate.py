"""Offline validation against the official SARIF and CycloneDX JSON schemas.

The schemas ship inside the package; references between them (CycloneDX
refers to the SPDX licence list and to JSF) are resolved from the same folder,
so validation never touches the network.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

CYCLONEDX_VERSIONS = ("1.4", "1.5", "1.6", "1.7")
_SARIF = "sarif-schema-2.1.0.json"
_SHARED = ("spdx.schema.json", "jsf-0.82.schema.json")
_MAX_ERRORS = 50


def validate_sarif(doc: dict[str, Any]) -> list[str]:
    """Schema errors of a SARIF 2.1.0 log, each ``<pointer>: <message>``."""
    return _errors(_validator(_SARIF), doc)


def validate_cyclonedx(doc: dict[str, Any], version: str | None = None) -> list[str]:
    """Schema errors of a CycloneDX JSON document (version from the document)."""
    version = version or str(doc.get("specVersion", ""))
    if version not in CYCLONEDX_VERSIONS:
        return [f"/specVersion: no schema for CycloneDX specVersion {version!r}"]
    return _errors(_validator(f"bom-{version}.schema.json"), doc)


def _errors(validator: Validator, doc: Any) -> list[str]:
    found = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in found[:_MAX_ERRORS]
    ]


def _load(name: str) -> dict[str, Any]:
    path = resources.files("sordino.importers").joinpath("schemas", name)
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _registry() -> Registry[Any]:
    resources_by_uri: list[tuple[str, Resource[Any]]] = []
    for name in _SHARED:
        schema = _load(name)
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        # CycloneDX refers to these files by bare name, relative to its own id.
        resources_by_uri.append((name, resource))
        if isinstance(schema.get("$id"), str):
            resources_by_uri.append((schema["$id"], resource))
    return Registry().with_resources(resources_by_uri)


@cache
def _validator(name: str) -> Validator:
    schema = _load(name)
    cls = validator_for(schema, default=Draft7Validator)
    registry = _registry()
    schema_id = schema.get("$id")
    if isinstance(schema_id, str):
        base = schema_id.rsplit("/", 1)[0]
        registry = registry.with_resources(
            (f"{base}/{shared}", registry[shared]) for shared in _SHARED
        )
    validator: Validator = cls(schema, registry=registry)
    return validator
