"""Text no database can store alike is refused, naming the parameter or field.

PostgreSQL refused a NUL character with a generic "cannot be stored" 400 while
SQLite stored it (200); an unpaired surrogate in a JSON body was stored and
made every later read of it a 500. Both are now a 400 before any route runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.shapes import error
from tests.conftest import Api

NUL = "must not contain a NUL character"
SURROGATE = "is not valid Unicode (it holds an unpaired surrogate)"


@pytest.fixture
def app_api(api: Api) -> Api:
    """An org with one app, ``a1``."""
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": "a1"}])
    return api


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/orgs/{org}/findings?search=%00", f"search: {NUL}"),
        ("/orgs/{org}/apps/a1/findings?branch=main%00", f"branch: {NUL}"),
        ("/orgs/{org}/rbac/users?email=a%00b", f"email: {NUL}"),
        ("/orgs/{org}/apps/a%00/findings", f"appID: {NUL}"),
        ("/orgs/{org}/findings?%00=x", f"\\x00: {NUL}"),
    ],
)
def test_nul_in_a_parameter_is_400_naming_it(
    app_api: Api, path: str, problem: str
) -> None:
    body = error(app_api.get(path), 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [problem]


@pytest.mark.parametrize(
    ("method", "path", "payload", "problem"),
    [
        ("POST", "/labels", {"add": ["ok", "x\x00y"]}, f"add.1: {NUL}"),
        (
            "PUT",
            "/configuration",
            {"analysis_configuration": {"secrets": {"note": "a\x00"}}},
            f"analysis_configuration.secrets.note: {NUL}",
        ),
        (
            "PATCH",
            "/configuration",
            {"analysis_configuration": {"k\x00": 1}},
            f"analysis_configuration.k\\x00: {NUL}",
        ),
    ],
)
def test_nul_in_a_json_body_is_400_naming_the_field(
    app_api: Api, method: str, path: str, payload: Any, problem: str
) -> None:
    response = app_api.request(method, f"/orgs/{{org}}/apps/a1{path}", json=payload)
    body = error(response, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [problem]
    app = app_api.ok("GET", "/orgs/{org}/apps/a1")
    assert app["labels"] == []


def test_unpaired_surrogate_in_a_json_body_is_400_and_nothing_is_stored(
    app_api: Api,
) -> None:
    response = app_api.post(
        "/orgs/{org}/apps/a1/labels",
        content=b'{"add": ["\\ud800"]}',
        headers={"content-type": "application/json"},
    )
    body = error(response, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == [f"add.0: {SURROGATE}"]
    # Stored, it made every later read of the app a 500.
    assert app_api.ok("GET", "/orgs/{org}/apps/a1")["labels"] == []


def test_escaped_backslashes_and_surrogate_pairs_are_ordinary_text(
    app_api: Api,
) -> None:
    labels = app_api.ok(
        "POST",
        "/orgs/{org}/apps/a1/labels",
        content=b'{"add": ["\\\\u0000", "\\ud83d\\ude00"]}',
        headers={"content-type": "application/json"},
    )
    assert sorted(labels) == sorted(["\\u0000", "\U0001f600"])
