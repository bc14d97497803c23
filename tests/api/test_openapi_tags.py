"""The OpenAPI document: the reference's tags, paths under /api/v4, our own words.

Clients and generated SDKs group operations by tag, so an operation the
reference documents carries exactly the reference's tags. Path parameters are
compared by position, not by name (the reference calls one ``{appID}`` where
sordino may call it something else).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.conftest import SHARED

REFERENCE = SHARED / "reference" / "qwiet-openapi-v4.yml"
PREFIX = "/api/v4"
METHODS = ("get", "put", "post", "patch", "delete")
PARAMETER = re.compile(r"\{[^}]*\}")
# The reference documents about 300 operations; sordino serves most of those it
# implements under the same paths, so a small overlap means the mapping broke.
MIN_SHARED = 90

Operations = dict[tuple[str, str], dict[str, Any]]


def shape(path: str) -> str:
    """The path with every parameter name erased."""
    return PARAMETER.sub("{}", path)


def operations(document: dict[str, Any], prefix: str = "") -> Operations:
    """Every operation of a document keyed by method and path shape."""
    found: Operations = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                found[(method, shape(path.removeprefix(prefix)))] = item[method]
    return found


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The reference OpenAPI document."""
    if not REFERENCE.is_file():
        pytest.skip(f"the reference is not beside the clone: {REFERENCE}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with REFERENCE.open(encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=loader)  # noqa: S506
    return document


@pytest.fixture(scope="module")
def ours(app: Any) -> dict[str, Any]:
    """sordino's OpenAPI document."""
    document: dict[str, Any] = app.openapi()
    return document


def test_shared_operations_carry_the_reference_tags(
    reference: dict[str, Any], ours: dict[str, Any]
) -> None:
    theirs = operations(reference)
    mine = operations(ours, PREFIX)
    shared = sorted(set(theirs) & set(mine))
    wrong = [
        f"{method.upper()} {path}: {mine[(method, path)].get('tags')} "
        f"!= {theirs[(method, path)].get('tags')}"
        for method, path in shared
        if mine[(method, path)].get("tags") != theirs[(method, path)].get("tags")
    ]
    assert len(shared) >= MIN_SHARED
    assert wrong == []


def test_every_operation_has_a_tag_the_reference_declares(
    reference: dict[str, Any], ours: dict[str, Any]
) -> None:
    declared = {tag["name"] for tag in reference["tags"]}
    untagged = [key for key, op in operations(ours).items() if not op.get("tags")]
    unknown = {
        tag
        for op in operations(ours).values()
        for tag in op.get("tags", [])
        if tag not in declared
    }
    assert untagged == []
    assert unknown == set()


def test_every_path_is_under_api_v4(ours: dict[str, Any]) -> None:
    base = ""
    for server in ours.get("servers", []):
        base = urlparse(server["url"]).path.rstrip("/")
        assert base in ("", PREFIX), server
    outside = [p for p in ours["paths"] if not (base + p).startswith(PREFIX + "/")]
    assert ours["paths"]
    assert outside == []


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_every_operation_is_described_in_our_own_words(
    reference: dict[str, Any], ours: dict[str, Any]
) -> None:
    theirs = operations(reference)
    missing = []
    copied = []
    for key, op in operations(ours, PREFIX).items():
        if not op.get("summary", "").strip() or not op.get("description", "").strip():
            missing.append(key)
        # Summaries are short titles ("List Apps") that match by nature; the
        # descriptions are prose and must be sordino's own.
        original = theirs.get(key, {}).get("description", "")
        if original and _words(original) == _words(op.get("description", "")):
            copied.append(key)
    assert missing == []
    assert copied == []
