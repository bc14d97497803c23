"""Scans built for tests: findings go in through the real ingest service."""

from __future__ import annotations

from typing import Any

from sordino.db import Database
from sordino.ingest.bundle import DataflowStep, FindingRecord, ScanBundle
from sordino.ingest.service import ingest


def sqli(path: str = "app/db.py", line: int = 12) -> FindingRecord:
    """A critical SQL injection with a two-step dataflow."""
    return FindingRecord(
        rule_id="python.sqli",
        title="SQL Injection: request data reaches a query",
        description="User input is concatenated into an SQL statement.",
        severity="critical",
        cvss_score=9.8,
        category="SQL Injection",
        cwe=[89],
        owasp_2017="a1-injection",
        owasp_2021="a03-injection",
        language="python",
        file=path,
        line=line,
        snippet="cursor.execute('SELECT ' + name)",
        source_method="views.search",
        sink_method="cursor.execute",
        dataflow=[
            DataflowStep(file_name="app/views.py", line_number=4, method_name="search"),
            DataflowStep(file_name=path, line_number=line, method_name="execute"),
        ],
    )


def xss(line: int = 30) -> FindingRecord:
    """A high-severity cross-site scripting finding."""
    return FindingRecord(
        rule_id="python.xss",
        title="XSS: request data is written to the page",
        severity="high",
        cvss_score=7.1,
        category="XSS",
        cwe=[79],
        owasp_2017="a7-cross-site-scripting",
        owasp_2021="a03-injection",
        language="python",
        file="app/views.py",
        line=line,
        snippet="return '<p>' + name",
    )


def weak_hash() -> FindingRecord:
    """A medium weak-hash finding."""
    return FindingRecord(
        rule_id="python.md5",
        title="Weak Hash: MD5 used for passwords",
        severity="medium",
        cvss_score=5.3,
        category="Weak Hash",
        cwe=[328],
        owasp_2017="a3-sensitive-data-exposure",
        owasp_2021="a02-cryptographic-failures",
        language="python",
        file="app/auth.py",
        line=8,
        snippet="hashlib.md5(password)",
    )


def add_scan(
    db: Database,
    org_id: str,
    findings: list[FindingRecord],
    *,
    app: str = "shop",
    branch: str = "main",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ingest one scan and return its id and its findings' ids by rule."""
    bundle = ScanBundle(
        app=app, branch=branch, version="abc123", tags=tags or {}, findings=findings
    )
    with db.session() as session:
        result = ingest(session, org_id, bundle)
        scan_id = result.scan.id
    return {"scan": str(scan_id)}
