"""The OpenAPI document: FastAPI's schema completed with what routes read by hand.

Routes take ``orgID`` and other path parameters through dependencies, answer
errors with the one error envelope rather than FastAPI's 422, and read upload
bodies as streams; FastAPI sees none of that, so ``document`` adds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from sordino.api.deps import authenticate
from sordino.scans.upload_routes import is_upload

Document = dict[str, Any]
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
PLACEHOLDER = re.compile(r"{(\w+)}")
SCHEME = "bearerAuth"
ERROR_REF = {"$ref": "#/components/schemas/Error"}

# Path parameters that routes read through dependencies, described for clients.
PATH_PARAMETERS = {
    "orgID": "Id of the organization; it must be the org of the token.",
    "appID": "Name of the application, such as `shop-backend`.",
    "compoundName": "Name of the compound (a multi-language app).",
    "compoundID": "Id of the compound.",
    "findingID": "Id of the finding, a numeric string.",
    "scanID": "Id of the scan, a numeric string.",
    "versionID": "The version, usually the commit the scan was taken at.",
    "rbacTeamID": "Id of the team.",
    "rbacRoleID": "Id of the role.",
    "userIDv2": "Id of the user.",
    "groupID": "Id of the identity-provider group.",
    "tokenID": "Id of the access token.",
    "commentID": "Id of the comment.",
    "appGroupName": "Name of the app group.",
}

ERROR_SCHEMA: Document = {
    "title": "Error",
    "description": "The error envelope every failed request answers with.",
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "code": {
            "type": "string",
            "description": "Machine-readable, such as NOT_FOUND or VALIDATION_FAILED.",
        },
        "message": {"type": "string"},
        "validation_errors": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["ok", "code", "message", "validation_errors"],
    "additionalProperties": False,
}

ERRORS = {
    "400": "The parameters or the body are not valid.",
    "401": "No valid bearer token came with the request.",
    "403": "The token lacks the scope this operation needs.",
    "404": "The resource does not exist or belongs to another org.",
}
PUBLIC_ERRORS = ("400",)

UPLOAD_QUERY: list[Document] = [
    {
        "name": "branch",
        "in": "query",
        "required": False,
        "description": "The branch the scanned tree was taken from.",
        "schema": {"type": "string"},
    },
    {
        "name": "version",
        "in": "query",
        "required": False,
        "description": "The version of the tree, usually a commit hash.",
        "schema": {"type": "string"},
    },
    {
        "name": "tag",
        "in": "query",
        "required": False,
        "description": "A scan tag written key=value; repeat it for several.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
]
JSON_BODY: Document = {"schema": {"type": "object"}}
ARCHIVE_BODY: Document = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODIES: dict[str, tuple[str, dict[str, Document]]] = {
    "/scans": ("A sordino ScanBundle.", {"application/json": JSON_BODY}),
    "/scans/sarif": ("A SARIF 2.1.0 report.", {"application/json": JSON_BODY}),
    "/scans/cyclonedx": (
        "A CycloneDX SBOM or VEX document.",
        {"application/json": JSON_BODY},
    ),
    "/scans/source": (
        "A tar archive of the source tree, optionally gzipped.",
        {
            "application/gzip": ARCHIVE_BODY,
            "application/x-tar": ARCHIVE_BODY,
            "application/octet-stream": ARCHIVE_BODY,
        },
    ),
}


def install(app: FastAPI) -> None:
    """Serve the completed document from ``app.openapi``, built once."""

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(app: FastAPI) -> Document:
    """FastAPI's schema of ``app`` with parameters, security and errors added."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    return complete(schema, _authenticated(app))


def complete(schema: Document, authenticated: Callable[[str, str], bool]) -> Document:
    """Post-process ``schema``; ``authenticated(method, path)`` names public routes."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token: `Authorization: Bearer <token>`.",
        }
    }
    schema["security"] = [{SCHEME: []}]
    for path, method, operation in _operations(schema):
        _declare_path_parameters(path, operation)
        if is_upload(method.upper(), path):
            _describe_upload(path, operation)
        public = not authenticated(method, path)
        if public:
            operation["security"] = []
        _declare_errors(operation, PUBLIC_ERRORS if public else tuple(ERRORS))
    return schema


def _operations(schema: Document) -> Iterator[tuple[str, str, Document]]:
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _declare_path_parameters(path: str, operation: Document) -> None:
    parameters = operation.setdefault("parameters", [])
    declared = {p["name"] for p in parameters if p.get("in") == "path"}
    for name in PLACEHOLDER.findall(path):
        if name in declared:
            continue
        parameter: Document = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
        }
        if name in PATH_PARAMETERS:
            parameter["description"] = PATH_PARAMETERS[name]
        parameters.append(parameter)
        declared.add(name)


def _describe_upload(path: str, operation: Document) -> None:
    """Uploads read their body as a stream and their metadata from the query."""
    suffix = path[path.rindex("/scans") :]
    description, content = UPLOAD_BODIES[suffix]
    operation.setdefault(
        "requestBody",
        {"required": True, "description": description, "content": content},
    )
    if "/apps/" in path:
        parameters = operation.setdefault("parameters", [])
        known = {(p["name"], p.get("in")) for p in parameters}
        parameters.extend(p for p in UPLOAD_QUERY if (p["name"], "query") not in known)


def _declare_errors(operation: Document, statuses: tuple[str, ...]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    for status in statuses:
        responses.setdefault(
            status,
            {
                "description": ERRORS[status],
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        )


def _authenticated(app: FastAPI) -> Callable[[str, str], bool]:
    """Whether the route at a method and path needs a bearer token."""
    needs = {
        (method.lower(), route.path_format): _depends_on_token(route.dependant)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    return lambda method, path: needs.get((method, path), True)


def _depends_on_token(dependant: Dependant) -> bool:
    if dependant.call is authenticate:
        return True
    return any(_depends_on_token(d) for d in dependant.dependencies)
