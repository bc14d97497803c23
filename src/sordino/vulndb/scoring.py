"""CVSS scoring of OSV severity vectors with the cvss library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

_RATINGS = {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}
_GHSA_RATINGS = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "LOW": "low",
}


@dataclass(frozen=True)
class Score:
    """A base score, its rating (critical, high, medium, low) and the vector."""

    score: float | None
    rating: str
    vector: str = ""


def _score_vector(kind: str, vector: str) -> Score | None:
    try:
        if kind == "CVSS_V3":
            cvss3 = CVSS3(vector)
            base = float(cvss3.scores()[0])
            rating = str(cvss3.severities()[0])
        elif kind == "CVSS_V4":
            cvss4 = CVSS4(vector)
            base = float(cvss4.base_score)
            rating = str(cvss4.severity)
        else:
            return None
    except (CVSSError, ValueError, KeyError):
        return None
    return Score(base, _RATINGS.get(rating.lower(), "low"), vector)


def score(severity: list[dict[str, Any]], database_specific: dict[str, Any]) -> Score:
    """The CVSS v3 score when there is one, else v4, else the database's own label."""
    scored: dict[str, Score] = {}
    for item in severity:
        kind = str(item.get("type", ""))
        result = _score_vector(kind, str(item.get("score", "")))
        if result is not None:
            scored.setdefault(kind, result)
    for kind in ("CVSS_V3", "CVSS_V4"):
        if kind in scored:
            return scored[kind]
    label = str(database_specific.get("severity", "")).upper()
    return Score(None, _GHSA_RATINGS.get(label, "medium"))
