"""The success envelope and paged-list helpers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sordino.api.urls import external_url


def ok(response: Any = None, *, omit_response: bool = False) -> dict[str, Any]:
    """The success envelope; with ``omit_response`` only ``{"ok": true}``."""
    if omit_response:
        return {"ok": True}
    return {"ok": True, "response": response}


def paged(
    request: Request, response: Any, *, page: int, has_more: bool
) -> dict[str, Any]:
    """A success envelope with an absolute ``next_page`` when more pages exist."""
    body: dict[str, Any] = {"ok": True, "response": response}
    if has_more:
        body["next_page"] = next_page_url(request, page + 1)
    return body


def next_page_url(request: Request, page: int) -> str:
    """The request's own absolute URL with every parameter kept and ``page`` set."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    params.append(("page", str(page)))
    return external_url(request, request.url.path, params)


def json(body: dict[str, Any]) -> JSONResponse:
    """A 200 JSON response."""
    return JSONResponse(body)
