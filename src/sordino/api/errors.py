"""The API's one error shape and the exceptions that produce it."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger()

_CODES = {
    400: "VALIDATION_FAILED",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_FAILED",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    503: "UNAVAILABLE",
    507: "INSUFFICIENT_STORAGE",
}


class ApiError(Exception):
    """An error the client caused or must know about, with its HTTP status."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        validation_errors: list[str] | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.validation_errors = validation_errors or []
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class ValidationFailed(ApiError):
    """A request whose parameters or body are not acceptable."""

    status = 400
    code = "VALIDATION_FAILED"


class Unauthorized(ApiError):
    """No valid token accompanied the request."""

    status = 401
    code = "UNAUTHORIZED"


class Forbidden(ApiError):
    """The token is valid but lacks the scope the operation needs."""

    status = 403
    code = "FORBIDDEN"


class NotFound(ApiError):
    """The resource does not exist, or belongs to another org."""

    status = 404
    code = "NOT_FOUND"


class Conflict(ApiError):
    """The change collides with the stored state (a stale version, a taken name)."""

    status = 409
    code = "CONFLICT"


def error_body(
    status: int,
    message: str,
    validation_errors: list[str] | None = None,
    code: str = "",
) -> dict[str, Any]:
    """The error envelope: ``ok``, ``code``, ``message``, ``validation_errors``."""
    return {
        "ok": False,
        "code": code or _CODES.get(status, "ERROR"),
        "message": message,
        "validation_errors": validation_errors or [],
    }


def error_response(
    status: int,
    message: str,
    validation_errors: list[str] | None = None,
    code: str = "",
) -> JSONResponse:
    """A JSON response carrying the error envelope."""
    return JSONResponse(
        error_body(status, message, validation_errors, code), status_code=status
    )


# Where FastAPI found a value; the parameter's own name says enough.
_SOURCES = ("body", "query", "path", "header", "cookie")


def _describe(error: dict[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        # loc is ("body", <character offset>), not a field.
        offset = loc[1] if len(loc) > 1 else 0
        return f"body: not valid JSON at character {offset}"
    if loc and loc[0] in _SOURCES:
        loc = loc[1:]
    where = ".".join(map(str, loc))
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.validation_errors, exc.code)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_describe(e) for e in exc.errors()]
    if _body_not_json(request, exc):
        # FastAPI reads a body as JSON only when it is labelled so (or not
        # labelled at all); anything else (curl -d sends a form) fails
        # validation with a puzzling message.
        content_type = request.headers["content-type"]
        problems.insert(
            0,
            f"body: send JSON with Content-Type: application/json (got {content_type})",
        )
    return error_response(400, "the request is not valid", problems)


def _body_not_json(request: Request, exc: RequestValidationError) -> bool:
    if not any(error.get("loc", ())[:1] == ("body",) for error in exc.errors()):
        return False
    sent = request.headers.get("content-length", "0") not in ("", "0")
    if not sent and "transfer-encoding" not in request.headers:
        return False  # no body at all: "Field required" says it
    return not reads_as_json(request)


def reads_as_json(request: Request) -> bool:
    """Whether FastAPI reads the body as JSON: labelled so, or not labelled."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return not kind or kind == "application/json" or kind.endswith("+json")


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404:
        message = "no such resource"
    return error_response(exc.status_code, message)


# Words the drivers use when storage ran out: SQLite's SQLITE_FULL message and
# PostgreSQL's disk_full (SQLSTATE 53100) and ENOSPC text.
_DISK_FULL = ("disk is full", "no space left on device", "could not extend file")
_DISK_FULL_STATE = "53100"
_SQL_MISTAKES = ("no such ", "syntax error", "has no column", "ambiguous column")


def _storage_full(exc: DBAPIError) -> bool:
    """Whether the database refused a write because its disk is full."""
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    text = str(exc.orig).lower()
    return state == _DISK_FULL_STATE or any(words in text for words in _DISK_FULL)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is full or out of reach: 507 or 503, never a traceback."""
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, DataError):
        # The database refused a value the request carried (PostgreSQL takes no
        # NUL character in text, nor a number beyond its column's range).
        log.info("database.refused_value", path=request.url.path, error=str(exc.orig))
        return error_response(
            400, "a value in the request cannot be stored or compared"
        )
    if _storage_full(exc):
        log.error("database.full", path=request.url.path, error=str(exc.orig))
        return error_response(507, "the database has no room left for this change")
    if not _unavailable(exc):
        return await _unexpected(request, exc)
    log.error("database.unavailable", path=request.url.path, error=str(exc.orig))
    return error_response(503, "the database is unavailable; retry shortly")


def _unavailable(exc: DBAPIError) -> bool:
    """Whether the server or the file is out of reach, rather than the SQL wrong.

    SQLite reports a bad statement ("no such table", a syntax error) as an
    operational error too; those are bugs and stay 500s.
    """
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    text = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and not any(
        words in text for words in _SQL_MISTAKES
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request.failed", path=request.url.path, error=type(exc).__name__)
    return error_response(500, "internal error; the server log has the details")


def install(app: FastAPI) -> None:
    """Route every exception through the one error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
