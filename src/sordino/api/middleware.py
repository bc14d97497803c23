"""ASGI middleware: body size limits and a request id bound to every log event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sordino.api.errors import error_body


class BodyTooLarge(Exception):
    """The request body passed the configured limit while streaming."""


class BodyLimit:
    """Refuse bodies over a limit with 413 in the error shape, even when chunked."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_json: int,
        max_upload: int,
        is_upload: Callable[[str, str], bool],
    ) -> None:
        self.app = app
        self.max_json = max_json
        self.max_upload = max_upload
        self.is_upload = is_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        upload = self.is_upload(scope["method"], scope["path"])
        limit = (
            self.max_upload if upload or "json" not in content_type else self.max_json
        )
        length = headers.get(b"content-length")
        if (
            length is not None
            and length.isascii()
            and length.isdigit()
            and int(length) > limit
        ):
            await _too_large(send, limit)
            return
        seen = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The framework turns a failed body read into its own error
                # response; the client gets the 413 in its place.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body(413, f"the request body is larger than {limit} bytes")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestId:
    """Give each request an id, echo it back and bind it to the log context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_header)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
