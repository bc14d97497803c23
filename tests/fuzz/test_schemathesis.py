"""Fuzz every operation of sordino's own OpenAPI document, in process.

Each operation gets a bounded number of generated requests, sent as the Super
Admin of an org that holds one scan, so the routes reach their services
rather than stopping at authentication. No request may produce a 5xx, and a
response whose status the document declares must match its schema.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from sordino.db import Database
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api, new_org

APP = "fuzzed"
PLACEHOLDER = re.compile(r"{(\w+)}")
EDGE_CASES = ("1", "0", "fuzzed", "x-y", "99999999999999999999", "%C2%B2", "-1")
# Requests per operation: about 110 operations x 10 keeps a run to a few minutes.
EXAMPLES = 10


@pytest.fixture(scope="module")
def fuzz_org(client: TestClient, db: Database) -> Api:
    """An org with one app and one scan, whose Super Admin sends every request."""
    org = new_org(client, db, "fuzz-org")
    add_scan(db, org.org_id, [sqli(), xss(), weak_hash()], app=APP)
    return org


@pytest.fixture(scope="module")
def openapi(app: Any) -> Any:
    """The app's own OpenAPI document, loaded through the app."""
    return schemathesis.from_asgi("/api/v4/openapi.json", app)


# FastAPI writes OpenAPI 3.1, which schemathesis 3.39 supports behind this switch.
schemathesis.experimental.OPEN_API_3_1.enable()
schema = schemathesis.from_pytest_fixture("openapi")


def _aim(case: Any, org: Api) -> None:
    """Point the path at the test org and, mostly, at its app; add edge cases.

    The document declares every path parameter and schemathesis fills them;
    about half the time a parameter gets one of the edge cases instead (an
    integer overflow, an encoded digit), which random strings rarely hit.
    """
    params = dict(case.path_parameters or {})
    seed = zlib.crc32(repr((case.query, case.body, params)).encode())
    for name in PLACEHOLDER.findall(case.path):
        if (seed >> len(name)) % 2:
            params[name] = EDGE_CASES[(seed + len(name)) % len(EDGE_CASES)]
    params["orgID"] = org.org_id
    if "appID" in params and case.method != "DELETE" and seed % 4:
        params["appID"] = APP
    case.path_parameters = params


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_declared_shapes(case: Any, fuzz_org: Api) -> None:
    """No 5xx on any operation, and declared response schemas hold."""
    _aim(case, fuzz_org)
    response = case.call_asgi(headers={"Authorization": f"Bearer {fuzz_org.token}"})
    case.validate_response(
        response, checks=(not_a_server_error, response_schema_conformance)
    )
