"""A stand-in for the HTTP client the CLI opens: requests go to the test app."""

from __future__ import annotations

from typing import Any

import pytest

from sordino.cli import target
from tests.conftest import Api


class ThroughTestClient:
    """Sends a ``Server``'s requests, with its own token, to the in-process app."""

    def __init__(self, api: Api, token: str) -> None:
        self.api = api
        self.token = token

    def __enter__(self) -> ThroughTestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.api.client.request(
            method,
            "/api/v4" + path,
            headers={**headers, **kwargs.pop("headers", {})},
            **kwargs,
        )


def route_to(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``sordino --server ...`` call reach ``api``."""
    monkeypatch.setattr(
        target.Server, "client", lambda self: ThroughTestClient(api, self.token)
    )
