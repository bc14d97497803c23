"""Scans built with the real ingest service, shared by the findings tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sordino.findings.models import Finding
from sordino.ingest.bundle import DataflowStep, FindingRecord, ScanBundle
from sordino.ingest.service import ingest
from tests.conftest import Api

APP = "shop"


def record(rule: str, title: str, **fields: Any) -> FindingRecord:
    """A finding at its own file, identified by rule and title."""
    fields.setdefault("file", f"src/{rule}.py")
    fields.setdefault("line", 10)
    return FindingRecord(rule_id=rule, title=title, snippet=title, **fields)


def scan(
    api: Api,
    records: list[FindingRecord],
    *,
    app: str = APP,
    version: str = "",
    branch: str = "",
    tags: dict[str, str] | None = None,
) -> int:
    """Ingest one scan of ``app``; returns its id."""
    bundle = ScanBundle(
        app=app, version=version, branch=branch, tags=tags or {}, findings=records
    )
    with api.db.session() as session:
        return ingest(session, api.org_id, bundle).scan.id


XSS = record(
    "py.xss",
    "Cross-site scripting in view",
    severity="critical",
    cvss_score=9.1,
    category="XSS",
    cwe=[79],
    language="python",
    tags={"framework": "flask"},
    details={"tags": "source=http,sink=html"},
    remediation="Escape the value before rendering it.",
    dataflow=[
        DataflowStep(file_name="src/views.py", line_number=3, method_name="get"),
        DataflowStep(file_name="src/views.py", line_number=9, method_name="render"),
    ],
)
SQLI = record(
    "py.sqli",
    "SQL injection in query",
    severity="high",
    cvss_score=8.0,
    category="SQL Injection",
    cwe=[89],
    language="python",
    tags={"framework": "django"},
    fixes=[
        {"description": "Use a bound parameter", "replacement": "cur.execute(q, a)"}
    ],
)
XSS2 = record(
    "py.xss",
    "Reflected XSS in search",
    severity="medium",
    cvss_score=5.5,
    category="XSS",
    cwe=[79],
    language="python",
    file="src/search.py",
)
SECRET = record(
    "secrets.aws",
    "AWS key in settings",
    type="secret",
    severity="low",
    cvss_score=2.0,
    category="Hardcoded Credentials",
    language="python",
)
RCE = record(
    "py.rce",
    "Command injection in worker",
    severity="low",
    cvss_score=3.0,
    category="Remote Code Execution",
    cwe=[78],
    language="python",
)


@dataclass
class History:
    """Three scans: C leaves in scan 2 and comes back in scan 3; F is new in 2."""

    scans: list[int]
    ids: dict[str, int]


def history(api: Api) -> History:
    """The three-scan history used by most findings tests."""
    first = scan(api, [XSS, SQLI, XSS2, SECRET], version="v1", branch="main")
    second = scan(api, [XSS, SQLI, RCE], version="v2", branch="dev")
    third = scan(api, [XSS, XSS2, RCE], version="v3", branch="main")
    with api.db.session() as session:
        rows = session.query(Finding.title, Finding.id).filter(
            Finding.org_id == api.org_id
        )
        by_title = dict(rows.all())
    ids = {
        "xss": by_title[XSS.title],
        "sqli": by_title[SQLI.title],
        "xss2": by_title[XSS2.title],
        "secret": by_title[SECRET.title],
        "rce": by_title[RCE.title],
    }
    return History([first, second, third], ids)


def ids_of(response: dict[str, Any]) -> list[int]:
    """The finding ids of a listing response, in order."""
    return [int(f["id"]) for f in response["findings"]]
