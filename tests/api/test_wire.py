"""Wire rules every endpoint follows: envelopes, errors, limits, paging, gzip."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from sordino.api import envelope, errors
from sordino.api.app import create_app
from sordino.config import Settings
from tests.api.shapes import error
from tests.conftest import Api

# --- the error shape ----------------------------------------------------------


def test_unknown_route_is_404_in_the_error_shape(api: Api) -> None:
    body = error(api.get("/no/such/route"), 404, "NOT_FOUND")
    assert body["message"] == "no such resource"
    error(api.client.get("/nowhere"), 404, "NOT_FOUND")


def test_wrong_method_is_405_in_the_error_shape(api: Api) -> None:
    error(api.request("POST", "/orgs/{org}/apps"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_400(api: Api) -> None:
    for raw in (b"{", b"[{'id': 'x'}]", b"not json", b'[{"id": "a"}]]'):
        response = api.put(
            "/orgs/{org}/apps",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        body = error(response, 400, "VALIDATION_FAILED")
        assert body["validation_errors"], raw
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_missing_body_is_400(api: Api) -> None:
    body = error(api.put("/orgs/{org}/apps"), 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == ["body: Field required"]


def test_creations_answer_200(api: Api) -> None:
    created = api.put("/orgs/{org}/apps", json=[{"id": "a"}])
    assert created.status_code == 200
    token = api.post("/orgs/{org}/tokens", json={"label": "x", "role_id": "GUEST"})
    assert token.status_code == 200
    assert set(token.json()) == {"ok", "response"}


def test_every_response_has_a_request_id(api: Api) -> None:
    first = api.get("/orgs/{org}/apps").headers["x-request-id"]
    second = api.get("/nope").headers["x-request-id"]
    assert len(first) == 32
    assert first != second


def test_unknown_headers_are_ignored(api: Api) -> None:
    response = api.get(
        "/orgs/{org}/apps", headers={"X-Whatever": "1", "X-Client-Version": "9"}
    )
    assert response.json() == {"ok": True, "response": []}


def test_unexpected_errors_hide_the_traceback() -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = error(response, 500, "INTERNAL_ERROR")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert body["validation_errors"] == []


def test_api_errors_keep_their_code_and_details() -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/conflict")
    def conflict() -> None:
        raise errors.Conflict("stale version", validation_errors=["version: 3 != 4"])

    with TestClient(app) as client:
        body = error(client.get("/conflict"), 409, "CONFLICT")
    assert body == {
        "ok": False,
        "code": "CONFLICT",
        "message": "stale version",
        "validation_errors": ["version: 3 != 4"],
    }


# --- body limits --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_client(settings: Settings) -> Iterator[TestClient]:
    """The app over the session's database with tiny body limits."""
    limited = settings.model_copy(
        update={"max_json_bytes": 2048, "max_body_bytes": 4096}
    )
    with TestClient(create_app(limited, migrate=False)) as client:
        yield client


def _apps_body(size: int) -> bytes:
    """A JSON array of apps at least ``size`` bytes long."""
    names = [{"id": f"app-{n:05d}"} for n in range(size // 16 + 1)]
    return json.dumps(names).encode()


def test_oversized_json_is_413(small_client: TestClient, api: Api) -> None:
    raw = _apps_body(3000)
    assert len(raw) > 2048
    response = small_client.put(
        api.url("/orgs/{org}/apps"),
        content=raw,
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": "application/json",
        },
    )
    body = error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "2048" in body["message"]
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_oversized_chunked_json_is_413(small_client: TestClient, api: Api) -> None:
    raw = _apps_body(3000)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 500):
            yield raw[start : start + 500]

    response = small_client.put(
        api.url("/orgs/{org}/apps"),
        content=chunks(),
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": "application/json",
        },
    )
    error(response, 413, "PAYLOAD_TOO_LARGE")
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_json_under_the_limit_is_accepted(small_client: TestClient, api: Api) -> None:
    raw = json.dumps([{"id": f"a{n}"} for n in range(50)]).encode()
    assert len(raw) < 2048
    response = small_client.put(
        api.url("/orgs/{org}/apps"),
        content=raw,
        headers={
            "Authorization": f"Bearer {api.token}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.text
    assert len(api.ok("GET", "/orgs/{org}/apps")) == 50


def test_other_bodies_use_the_upload_limit(small_client: TestClient, api: Api) -> None:
    headers = {
        "Authorization": f"Bearer {api.token}",
        "Content-Type": "application/octet-stream",
    }
    url = api.url("/orgs/{org}/apps")
    body = error(
        small_client.put(url, content=b"x" * 5000, headers=headers),
        413,
        "PAYLOAD_TOO_LARGE",
    )
    assert "4096" in body["message"]
    # Under the upload limit but over the JSON one: refused only for its content.
    response = small_client.put(url, content=b"x" * 3000, headers=headers)
    assert response.status_code != 413


# --- gzip ----------------------------------------------------------------------


def test_large_responses_are_gzipped_when_asked(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": f"svc-{n:03d}"} for n in range(60)])
    plain = api.get("/orgs/{org}/apps", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = api.client.get(
        api.url("/orgs/{org}/apps"),
        headers={"Authorization": f"Bearer {api.token}", "Accept-Encoding": "gzip"},
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
    assert len(zipped.json()["response"]) == 60
    assert len(plain.content) > 1024


def test_gzip_bytes_on_the_wire_are_real_gzip(api: Api) -> None:
    api.ok("PUT", "/orgs/{org}/apps", json=[{"id": f"svc-{n:03d}"} for n in range(60)])
    with api.client.stream(
        "GET",
        api.url("/orgs/{org}/apps"),
        headers={"Authorization": f"Bearer {api.token}", "Accept-Encoding": "gzip"},
    ) as response:
        raw = b"".join(response.iter_raw())
    assert json.loads(gzip.decompress(raw))["ok"] is True


# --- next_page -------------------------------------------------------------------


def fake_request(
    settings: Settings,
    *,
    path: str = "/api/v4/orgs/o1/findings",
    query: str = "",
    headers: dict[str, str] | None = None,
    scheme: str = "http",
) -> Request:
    """A request as the server would see it, without a running app."""
    raw_headers = Headers(headers or {"host": "sordino.local:8080"}).raw
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": raw_headers,
        "server": ("sordino.local", 8080),
        "app": SimpleNamespace(state=SimpleNamespace(settings=settings)),
    }
    return Request(scope)


@pytest.fixture
def plain_settings(tmp_path: Path) -> Settings:
    """Settings that trust no proxy and have no public URL."""
    return Settings(data_dir=tmp_path, trust_proxy_headers=False, public_url=None)


def test_next_page_keeps_every_parameter_and_advances_page(
    plain_settings: Settings,
) -> None:
    request = fake_request(
        plain_settings, query="type=vuln&page=2&type=secret&per_page=5&search=a+b"
    )
    assert envelope.next_page_url(request, 3) == (
        "http://sordino.local:8080/api/v4/orgs/o1/findings"
        "?type=vuln&type=secret&per_page=5&search=a+b&page=3"
    )


def test_next_page_without_parameters(plain_settings: Settings) -> None:
    request = fake_request(plain_settings)
    assert envelope.next_page_url(request, 2) == (
        "http://sordino.local:8080/api/v4/orgs/o1/findings?page=2"
    )


def test_next_page_encodes_special_characters(plain_settings: Settings) -> None:
    request = fake_request(
        plain_settings, query="finding_tags=cvss_score__gte__7.5&q=%26%3D%2F"
    )
    url = envelope.next_page_url(request, 2)
    assert url.endswith("?finding_tags=cvss_score__gte__7.5&q=%26%3D%2F&page=2")


PROXIED = {
    "host": "10.0.0.5:8080",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "api.example.com, 10.0.0.1",
}


def test_proxy_headers_are_ignored_unless_trusted(plain_settings: Settings) -> None:
    request = fake_request(plain_settings, query="page=1", headers=PROXIED)
    assert envelope.next_page_url(request, 2) == (
        "http://10.0.0.5:8080/api/v4/orgs/o1/findings?page=2"
    )


def test_proxy_headers_are_honoured_when_trusted(plain_settings: Settings) -> None:
    trusting = plain_settings.model_copy(update={"trust_proxy_headers": True})
    request = fake_request(trusting, query="page=1", headers=PROXIED)
    assert envelope.next_page_url(request, 2) == (
        "https://api.example.com/api/v4/orgs/o1/findings?page=2"
    )
    only_proto = {"host": "h:1", "x-forwarded-proto": "https"}
    request = fake_request(trusting, headers=only_proto)
    assert envelope.next_page_url(request, 2).startswith("https://h:1/api/v4/")


def test_public_url_wins(plain_settings: Settings) -> None:
    public = plain_settings.model_copy(
        update={"public_url": "https://sordino.corp/", "trust_proxy_headers": True}
    )
    request = fake_request(public, headers=PROXIED)
    assert envelope.next_page_url(request, 4) == (
        "https://sordino.corp/api/v4/orgs/o1/findings?page=4"
    )


def _paging_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings

    @app.get("/api/v4/items")
    def items(request: Request, page: int = 1) -> dict[str, Any]:
        numbers = list(range(25))[(page - 1) * 10 : page * 10]
        return envelope.paged(request, numbers, page=page, has_more=page * 10 < 25)

    return app


def test_paged_route_walks_to_the_last_page(plain_settings: Settings) -> None:
    seen: list[int] = []
    with TestClient(_paging_app(plain_settings), base_url="http://h.test") as client:
        url: str | None = "http://h.test/api/v4/items?kind=x&kind=y"
        pages = 0
        while url:
            body = client.get(url).json()
            assert body["ok"] is True
            seen.extend(body["response"])
            url = body.get("next_page")
            if url:
                assert url.startswith("http://h.test/api/v4/items?kind=x&kind=y&page=")
            pages += 1
    assert seen == list(range(25))
    assert pages == 3


def test_paged_route_behind_a_trusted_proxy(plain_settings: Settings) -> None:
    trusting = plain_settings.model_copy(update={"trust_proxy_headers": True})
    with TestClient(_paging_app(trusting), base_url="http://inner:8000") as client:
        body = client.get(
            "/api/v4/items?page=1",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "outer.example"},
        ).json()
    assert body["next_page"] == "https://outer.example/api/v4/items?page=2"


def test_last_page_has_no_next_page() -> None:
    request = fake_request(Settings())
    body = envelope.paged(request, [1], page=3, has_more=False)
    assert body == {"ok": True, "response": [1]}


# --- the service itself ---------------------------------------------------------------


def test_health_and_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"ok": True}
    document = api.client.get("/api/v4/openapi.json").json()
    assert document["openapi"].startswith("3.")
    operations = [
        (path, method, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    ]
    assert all(path.startswith("/api/v4/") for path, _, _ in operations)
    untagged = [f"{m.upper()} {p}" for p, m, op in operations if not op.get("tags")]
    assert untagged == []
    expected = {
        ("/api/v4/orgs/{orgID}/apps", "put"),
        ("/api/v4/orgs/{orgID}/apps/{appID}", "delete"),
        ("/api/v4/orgs/{orgID}/app_groups", "get"),
        ("/api/v4/orgs/{orgID}/autofix_configuration", "get"),
        ("/api/v4/orgs/{orgID}/configuration/analysis", "patch"),
        ("/api/v4/orgs/{orgID}/tokens/{tokenID}", "delete"),
        ("/api/v4/user", "get"),
    }
    assert expected <= {(p, m) for p, m, _ in operations}


def test_a_form_encoded_body_is_told_to_send_json(api: Api) -> None:
    # What `curl -X PUT -d '[...]'` sends.
    response = api.put(
        "/orgs/{org}/apps",
        content=b'[{"id": "x"}]',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = error(response, 400, "VALIDATION_FAILED")
    assert "Content-Type: application/json" in body["validation_errors"][0]
    assert "application/x-www-form-urlencoded" in body["validation_errors"][0]
    assert api.ok("GET", "/orgs/{org}/apps") == []


def test_validation_errors_name_the_parameter_not_its_source(api: Api) -> None:
    bad_json = api.put(
        "/orgs/{org}/apps",
        content=b'[{"id": "a"},]',
        headers={"Content-Type": "application/json"},
    )
    body = error(bad_json, 400, "VALIDATION_FAILED")
    assert body["validation_errors"] == ["body: not valid JSON at character 13"]
    bad_query = api.get("/orgs/{org}/tokens", params={"show_expired": "maybe"})
    problems = error(bad_query, 400, "VALIDATION_FAILED")["validation_errors"]
    assert problems
    assert problems[0].startswith("show_expired: "), problems


def test_an_unlabelled_json_body_gets_no_content_type_hint(api: Api) -> None:
    # FastAPI reads an unlabelled body as JSON: a wrong type is the only problem.
    response = api.put("/orgs/{org}/apps", content=b'{"id": "x"}', headers={})
    body = error(response, 400, "VALIDATION_FAILED")
    assert not any("Content-Type" in p for p in body["validation_errors"]), body
