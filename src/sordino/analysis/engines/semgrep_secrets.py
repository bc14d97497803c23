"""semgrep's credential matches turned into masked ``secret`` findings.

A credential rule binds the secret to ``$VALUE``. The raw value leaves this
module only as the engine's redactions; findings carry it masked.
"""

from __future__ import annotations

import re
from typing import Any

from sordino.analysis import fingerprint
from sordino.analysis.engines.secrets import mask, secret_details
from sordino.analysis.engines.trace import SourceLines
from sordino.ingest.bundle import FindingRecord

# A string literal: the same quote opens and closes it, escapes allowed.
_LITERAL = re.compile(r"""(["'`])((?:\\.|(?!\1)[^\\\n])*)\1""")
_EDGES = "\"'`,;:()[]{} \t"
_MIN_SECRET = 4
SECRET_METAVAR = "$VALUE"  # noqa: S105 - a metavariable name
_ASSIGNED = re.compile(r"\s*(?::=|=>|[:=])\s*")


def _secret_metavar(item: dict[str, Any]) -> dict[str, Any] | None:
    """The metavariable a credential rule binds the secret to, if it has one."""
    metavars = (item.get("extra", {}) or {}).get("metavars", {}) or {}
    bound = metavars.get(SECRET_METAVAR)
    return bound if isinstance(bound, dict) else None


def _position(place: Any) -> tuple[int, int]:
    place = place if isinstance(place, dict) else {}
    return int(place.get("line", 0) or 0), int(place.get("col", 0) or 0)


def defined_elsewhere(item: dict[str, Any]) -> bool:
    """Whether the match names a variable whose value is written elsewhere.

    semgrep propagates constants, so ``password: dbPassword`` matches a rule
    for ``password: "..."`` with the secret bound where ``dbPassword`` is
    assigned. That assignment is reported on its own; the use is no secret.
    """
    bound = _secret_metavar(item)
    if bound is None:
        return False
    start, end = _position(item.get("start")), _position(item.get("end"))
    return not start <= _position(bound.get("start")) <= end


def matched_secret(item: dict[str, Any], source: SourceLines, file: str) -> str:
    """The secret inside a match: the rule's bound value, a string literal, an
    assigned value or all of it, without the quotes and punctuation around it."""
    bound = _secret_metavar(item)
    if bound is not None and bound.get("abstract_content"):
        return _unquoted(str(bound["abstract_content"]))
    start, end = item.get("start", {}) or {}, item.get("end", {}) or {}
    lines = source.get(file)
    first, last = int(start.get("line", 0) or 0), int(end.get("line", 0) or 0)
    if not 0 < first <= last <= len(lines):
        return ""
    chunk = list(lines[first - 1 : last])
    chunk[-1] = chunk[-1][: max(int(end.get("col", 1) or 1) - 1, 0)]
    chunk[0] = chunk[0][max(int(start.get("col", 1) or 1) - 1, 0) :]
    text = "\n".join(chunk).strip()
    literals = [m.group(2) for m in _LITERAL.finditer(text)]
    literals = [value for value in literals if len(value) >= _MIN_SECRET]
    if literals:
        return max(literals, key=len)
    if _ASSIGNED.search(text):
        return _ASSIGNED.split(text)[-1].strip(_EDGES)
    return text.strip(_EDGES)


def _unquoted(text: str) -> str:
    literal = _LITERAL.fullmatch(text.strip())
    return literal.group(2) if literal else text.strip()


def as_secret(finding: FindingRecord, secret: str) -> FindingRecord:
    """A hard-coded credential finding turned into a masked ``secret`` finding."""
    masked = mask(secret)
    return finding.model_copy(
        update={
            "type": "secret",
            "snippet": finding.snippet.replace(secret, masked) if secret else "",
            "fingerprint": fingerprint.secret_fingerprint(
                finding.rule_id, finding.file, secret or finding.snippet
            ),
            "details": secret_details(secret, finding.file, finding.line),
            "fixes": [],
        }
    )
