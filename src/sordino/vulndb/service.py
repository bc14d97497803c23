"""The vulnerability database's public operations: import, status, match."""

from __future__ import annotations

from sordino.vulndb.findings import to_finding, to_findings
from sordino.vulndb.importer import ImportStats, import_path
from sordino.vulndb.matching import MatchStats, VulnMatch, match, package_key
from sordino.vulndb.reader import VulnDbError
from sordino.vulndb.status import VulnDbStatus, status

__all__ = [
    "ImportStats",
    "MatchStats",
    "VulnDbError",
    "VulnDbStatus",
    "VulnMatch",
    "import_path",
    "match",
    "package_key",
    "status",
    "to_finding",
    "to_findings",
]
