"""A multi-language bundle shaped like examples/vulnerable-app, built by hand."""

from __future__ import annotations

from typing import Any

from sordino.compounds.polyglot import ingest_polyglot
from sordino.db import Database
from sordino.ingest.bundle import (
    EngineFailure,
    FindingRecord,
    PackageRecord,
    ScanBundle,
)

LANGUAGES = ["python", "javascript", "java", "go", "terraform"]


def _vuln(lang: str, path: str, **extra: Any) -> FindingRecord:
    base: dict[str, Any] = {
        "rule_id": f"{lang}.sqli",
        "title": f"SQL Injection in {lang} handler",
        "description": "Request data reaches a database query.",
        "severity": "critical",
        "cvss_score": 9.8,
        "category": "SQL Injection",
        "cwe": [89],
        "language": lang,
        "file": path,
        "line": 10,
        "snippet": f"query({lang})",
    }
    base.update(extra)
    return FindingRecord(**base)


def findings() -> list[FindingRecord]:
    """Eight findings over five platforms, each with something to filter on."""
    return [
        _vuln("python", "python/app.py", reachable=True, fixes=[{"diff": "x"}]),
        _vuln(
            "python",
            "python/app.py",
            rule_id="python.md5",
            title="Weak hash: MD5",
            description="MD5 is broken for passwords.",
            severity="medium",
            cvss_score=5.3,
            category="Weak Hash",
            cwe=[328],
            line=20,
            snippet="md5()",
        ),
        _vuln("javascript", "javascript/server.js", tags={"framework": "express"}),
        _vuln(
            "java",
            "java/src/LegacyServlet.java",
            title="Cross-Site Scripting in servlet",
            severity="high",
            cvss_score=7.5,
            category="XSS",
            cwe=[79],
        ),
        _vuln("go", "go/main.go", severity="low", cvss_score=2.0, category="Misc"),
        FindingRecord(
            type="extscan",
            rule_id="CKV_AWS_24",
            title="Security group opens SSH to the world",
            severity="high",
            cvss_score=7.0,
            category="Security Misconfiguration",
            language="terraform",
            file="terraform/main.tf",
            line=3,
            snippet="0.0.0.0/0",
        ),
        FindingRecord(
            type="secret",
            rule_id="aws-access-key",
            title="AWS access key in source",
            severity="high",
            cvss_score=7.5,
            category="Secrets",
            file="python/app.py",
            line=5,
            snippet="AKIA",
        ),
        FindingRecord(
            type="oss_vuln",
            rule_id="GHSA-lodash",
            title="Prototype pollution in lodash",
            severity="high",
            cvss_score=7.4,
            category="Vulnerable Dependency",
            file="javascript/package-lock.json",
            tags={
                "package_url": "pkg:npm/lodash@4.17.15",
                "reachability": "unreachable",
                "exploitable": "true",
            },
            reachable=False,
        ),
    ]


def bundle(version: str = "v1", branch: str = "main", **extra: Any) -> ScanBundle:
    """The sample app's bundle for one commit."""
    values: dict[str, Any] = {
        "app": "shop",
        "version": version,
        "branch": branch,
        "agent": "cli",
        "languages": LANGUAGES,
        "findings": findings(),
        "packages": [
            PackageRecord(
                purl="pkg:npm/lodash@4.17.15",
                name="lodash",
                version="4.17.15",
                location="javascript/package-lock.json",
            ),
            PackageRecord(
                purl="pkg:pypi/django@3.2.0",
                name="django",
                version="3.2.0",
                location="python/requirements.txt",
            ),
        ],
        "failures": [EngineFailure(engine="checkov", reason="missing")],
    }
    values.update(extra)
    return ScanBundle(**values)


def store(db: Database, org_id: str, name: str = "shop", **extra: Any) -> int:
    """Ingest the sample bundle as a polyglot scan; return its id."""
    with db.session() as session:
        return ingest_polyglot(session, org_id, name, bundle(**extra)).id
