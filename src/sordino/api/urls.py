"""Absolute URLs as the client saw them, honouring proxy headers when trusted."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from sordino.config import Settings, get_settings


def external_base(request: Request) -> str:
    """``scheme://host`` as the client addressed the server."""
    settings = _settings(request)
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = request.url.scheme
    host = request.headers.get("host", request.url.netloc)
    if settings.trust_proxy_headers:
        scheme = _first(request.headers.get("x-forwarded-proto")) or scheme
        host = _first(request.headers.get("x-forwarded-host")) or host
    return f"{scheme}://{host}"


def external_url(request: Request, path: str, params: list[tuple[str, str]]) -> str:
    """An absolute URL for ``path`` with ``params`` encoded in order."""
    query = urlencode(params)
    return f"{external_base(request)}{path}" + (f"?{query}" if query else "")


def _settings(request: Request) -> Settings:
    """The settings of the app serving ``request`` (the process's when unset)."""
    found = getattr(request.app.state, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()
