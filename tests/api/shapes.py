"""Assertions about the API's wire shapes, shared by the HTTP tests."""

from __future__ import annotations

from typing import Any

ERROR_KEYS = {"ok", "code", "message", "validation_errors"}


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert an error response in the one error shape and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["ok"] is False
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["validation_errors"], list)
    assert all(isinstance(item, str) for item in body["validation_errors"])
    return body
