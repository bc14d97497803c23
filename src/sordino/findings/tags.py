"""Finding tags: those kept as columns of ``findings`` and those kept as rows.

Clients read a finding's tags as one list of ``{key, value}``. The common ones
(severity, category, CWE, OWASP, language, CVSS) live in indexed columns; every
other tag is a ``finding_tags`` row. Filters on either kind are index lookups.
"""

from __future__ import annotations

from typing import Any

from sordino.ingest.bundle import severity_for_score

COLUMN_TAGS = {
    "severity": "severity",
    "category": "category",
    "owasp_category": "owasp_category",
    "owasp_2021_category": "owasp_2021_category",
    "cwe_category": "cwe",
    "language": "language",
}

# Tags computed from the ``cvss_score`` column on the way out (see
# ``column_tags``); a record that carries them has them stored as the column.
SCORE_TAGS = frozenset({"cvss_score", "cvss_31_severity_rating"})
# Every tag key that is not kept as a ``finding_tags`` row.
NOT_ROWS = frozenset(COLUMN_TAGS) | SCORE_TAGS


def cvss_rating(score: float) -> str:
    """The CVSS 3.1 qualitative rating of a score."""
    return severity_for_score(score)


def format_score(score: float) -> str:
    """A CVSS score as clients expect it: a string such as ``"9.8"``."""
    return f"{score:.1f}"


def column_tags(finding: Any) -> list[dict[str, str]]:
    """The tags a finding's columns imply, in a stable order."""
    tags = []
    for key, attr in COLUMN_TAGS.items():
        value = getattr(finding, attr)
        if value:
            tags.append({"key": key, "value": str(value)})
    tags.append({"key": "cvss_score", "value": format_score(finding.cvss_score)})
    tags.append(
        {"key": "cvss_31_severity_rating", "value": cvss_rating(finding.cvss_score)}
    )
    return tags
