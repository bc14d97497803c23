"""Fingerprints that identify a finding across scans.

A fingerprint hashes what the finding *is* (rule, normalised path, normalised
text of the flagged lines) and never where it sits, so inserting lines above a
finding or reformatting whitespace leaves its identity unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")


def normalize_path(path: str) -> str:
    """A path with forward slashes and no leading ``./`` or ``/``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def normalize_code(text: str) -> str:
    """Code with every run of whitespace collapsed, so reindenting keeps identity."""
    return _SPACE.sub(" ", text).strip()


def digest(*parts: str) -> str:
    """A short stable hash of ``parts``."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(joined).hexdigest()[:32]


def code_fingerprint(rule_id: str, path: str, snippet: str, fallback: str) -> str:
    """The fingerprint of a code finding; ``fallback`` is used when no text is known."""
    text = normalize_code(snippet) or fallback
    return f"{rule_id}/{digest(rule_id, normalize_path(path), text)}"


def secret_fingerprint(rule_id: str, path: str, secret: str) -> str:
    """The fingerprint of a secret: rule, path and a hash of the secret itself."""
    secret_hash = hashlib.sha256(secret.encode()).hexdigest()
    return f"{rule_id}/{digest(rule_id, normalize_path(path), secret_hash)}"


def package_fingerprint(purl_without_version: str, advisory: str = "") -> str:
    """The fingerprint of a package or a package vulnerability."""
    name = advisory or "package"
    return f"{name}/{digest(purl_without_version, advisory)}"


def disambiguate(fingerprints: Iterable[str]) -> list[str]:
    """Suffix repeats (``#2``, ``#3``) so identical snippets stay distinct findings."""
    seen: Counter[str] = Counter()
    result = []
    for fingerprint in fingerprints:
        seen[fingerprint] += 1
        count = seen[fingerprint]
        result.append(fingerprint if count == 1 else f"{fingerprint}.{count}")
    return result
