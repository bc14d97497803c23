"""Request text that the databases cannot store alike is refused up front.

PostgreSQL text holds no NUL character and UTF-8 no unpaired surrogate, while
SQLite takes both (the one stored, the other failing only when read back). A
path or query parameter, or a string in a JSON body, holding either is refused
with a 400 naming it, whichever the database, before any route sees it.
Uploaded reports are left to the importers, which strip NULs from report text
and refuse bad Unicode with its location.
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations of
# ``TextCheck.__call__`` at run time to know that it wants the request.
import json
from collections.abc import Callable, Iterable

from fastapi import Request

from sordino.api.errors import ValidationFailed, reads_as_json
from sordino.common import find_text, text_problem


class TextCheck:
    """A dependency refusing parameters and JSON bodies with unstorable text."""

    def __init__(self, is_upload: Callable[[str, str], bool]) -> None:
        self.is_upload = is_upload

    async def __call__(self, request: Request) -> None:
        """Raise ValidationFailed naming each parameter, or the body field, at fault."""
        problems = _parameter_problems(
            [*request.path_params.items(), *request.query_params.multi_items()]
        )
        if not self.is_upload(request.method, request.url.path) and reads_as_json(
            request
        ):
            problems += _body_problems(await request.body())
        if problems:
            raise ValidationFailed(
                "the request holds text that cannot be stored",
                validation_errors=problems,
            )


def _parameter_problems(params: Iterable[tuple[str, object]]) -> list[str]:
    problems: dict[str, str] = {}
    for name, value in params:
        problem = text_problem(name) or text_problem(str(value))
        if problem and name not in problems:
            problems[name] = f"{_printable(name)}: {problem}"
    return list(problems.values())


def _body_problems(body: bytes) -> list[str]:
    # A NUL or a surrogate can only reach a JSON string through a \u escape.
    if b"\\u" not in body:
        return []
    try:
        doc = json.loads(body)
    except ValueError:
        return []  # FastAPI reports the malformed body itself
    found = find_text(doc, lambda text: bool(text_problem(text)))
    if found is None:
        return []
    path, text = found
    where = ".".join(_printable(str(part)) for part in path) or "body"
    return [f"{where}: {text_problem(text)}"]


def _printable(text: str) -> str:
    """``text`` as it may appear in an error: NULs and surrogates escaped."""
    return repr(text)[1:-1] if text_problem(text) else text
