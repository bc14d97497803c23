"""The OpenAPI document is complete: path parameters, security, error shapes.

Routes read ``orgID`` and friends through dependencies and answer errors
with the one envelope; the document must still say so, or SDK generators
and validators reject it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api

METHODS = ("get", "put", "post", "patch", "delete")
PLACEHOLDER = re.compile(r"{(\w+)}")
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def document(app: Any) -> dict[str, Any]:
    """sordino's OpenAPI document."""
    ours: dict[str, Any] = app.openapi()
    return ours


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation as (method, path, operation)."""
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in operations(document):
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        for name in set(PLACEHOLDER.findall(path)) - declared:
            missing.append(f"{method.upper()} {path}: {name}")
    assert missing == []
    org = next(
        p
        for p in document["paths"]["/api/v4/orgs/{orgID}/apps"]["get"]["parameters"]
        if p["name"] == "orgID"
    )
    assert org["required"] is True
    assert org["description"]


def test_bearer_security_is_declared(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert len(schemes) == 1
    ((name, scheme),) = schemes.items()
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert document["security"] == [{name: []}]


def test_no_operation_documents_a_422(document: dict[str, Any]) -> None:
    documented = [
        (m, p) for m, p, op in operations(document) if "422" in op["responses"]
    ]
    assert documented == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_errors_reference_the_error_envelope(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"ok", "code", "message", "validation_errors"}
    for method, path, op in operations(document):
        for status in ("400", "401", "403", "404"):
            content = op["responses"][status]["content"]["application/json"]
            assert content["schema"] == ERROR, (method, path, status)


def test_uploads_declare_body_and_scan_metadata(document: dict[str, Any]) -> None:
    for suffix in ("/scans", "/scans/sarif", "/scans/cyclonedx"):
        op = document["paths"][f"/api/v4/orgs/{{orgID}}/apps/{{appID}}{suffix}"]["post"]
        assert "application/json" in op["requestBody"]["content"]
        query = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        assert {"branch", "version", "tag"} <= query


def test_documented_errors_match_what_the_server_sends(api: Api) -> None:
    response = api.get("/orgs/{org}/apps/no-such-app/findings/1")
    assert response.status_code == 404
    assert set(response.json()) == {"ok", "code", "message", "validation_errors"}
    anonymous = api.client.get(api.url("/orgs/{org}/apps"))
    assert anonymous.status_code == 401


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
