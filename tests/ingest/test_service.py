"""The ingest service: what one bundle writes, what a rescan changes, and how
many statements it takes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from sordino.db import Database
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.ingest.bundle import DataflowStep, FindingRecord, ScanBundle
from sordino.ingest.service import IngestResult, ingest
from tests.conftest import Api


def _sqli(line: int = 12, title: str = "SQL injection") -> FindingRecord:
    return FindingRecord(
        rule_id="py.sqli",
        title=title,
        severity="critical",
        cvss_score=9.8,
        category="SQL Injection",
        cwe=[89],
        file="./app/db.py",
        line=line,
        snippet="cursor.execute(q + name)",
        source_method="views.search",
        sink_method="cursor.execute",
        details={"fileName": "app/db.py", "sink_method": "kept"},
        dataflow=[DataflowStep(file_name="app/views.py", line_number=4, code="q")],
        tags={"tool": "semgrep", "severity": "critical", "cwe_category": "89"},
    )


def _secret(suppressed: bool = False) -> FindingRecord:
    return FindingRecord(
        type="secret",
        rule_id="secrets.aws",
        title="AWS key",
        severity="high",
        file="config.py",
        line=3,
        snippet="KEY = 'AKIA****'",
        suppressed=suppressed,
        fixes=[{"description": "rotate", "changes": []}],
    )


def _ingest(
    db: Database, org_id: str, findings: list[FindingRecord], app: str = "svc"
) -> IngestResult:
    with db.session() as session:
        return ingest(session, org_id, ScanBundle(app=app, findings=findings))


def _rows(db: Database, app_pk: int) -> dict[str, Finding]:
    with db.session() as session:
        found = session.scalars(select(Finding).where(Finding.app_pk == app_pk))
        return {finding.rule_id: finding for finding in found}


def _tags(db: Database, finding_id: int) -> dict[str, str]:
    with db.session() as session:
        rows = session.scalars(
            select(FindingTag).where(FindingTag.finding_id == finding_id)
        )
        return {tag.key: tag.value for tag in rows}


def _occurrences(db: Database, scan_id: int) -> dict[int, tuple[int, bool]]:
    with db.session() as session:
        rows = session.scalars(select(Occurrence).where(Occurrence.scan_id == scan_id))
        return {row.finding_id: (row.line, row.regression) for row in rows}


def test_first_ingest_stores_columns_tags_and_occurrences(api: Api) -> None:
    result = _ingest(api.db, api.org_id, [_sqli(), _secret(suppressed=True)])

    assert (result.findings, result.new, result.regressions) == (2, 2, 0)
    rows = _rows(api.db, result.app.pk)
    sqli, secret = rows["py.sqli"], rows["secrets.aws"]
    assert sqli.file == "app/db.py"
    assert sqli.cwe == "89"
    assert sqli.cvss_score == 9.8
    # The record's own details win over the source and sink methods.
    assert sqli.details == {
        "fileName": "app/db.py",
        "sink_method": "kept",
        "source_method": "views.search",
    }
    assert sqli.dataflow[0]["file_name"] == "app/views.py"
    assert sqli.dataflow[0]["code"] == "q"
    assert sqli.fixes == []
    assert (sqli.scan_first_seen, sqli.scan_last_seen) == (result.scan.id,) * 2
    assert sqli.status == ""
    # Tags that have a column of their own are not repeated as tag rows.
    assert _tags(api.db, sqli.id) == {"tool": "semgrep"}
    assert secret.status == "ignored"
    assert secret.cvss_score == 7.5  # no score given: the severity's default
    assert secret.fixes == [{"description": "rotate", "changes": []}]
    assert _occurrences(api.db, result.scan.id) == {
        sqli.id: (12, False),
        secret.id: (3, False),
    }


def test_rescan_updates_known_findings_and_flags_regressions(api: Api) -> None:
    first = _ingest(api.db, api.org_id, [_sqli(), _secret()])
    ids = {rule: f.id for rule, f in _rows(api.db, first.app.pk).items()}
    second = _ingest(api.db, api.org_id, [_sqli(line=40, title="renamed")])
    third = _ingest(api.db, api.org_id, [_sqli(line=41), _secret()])

    assert (second.new, second.regressions) == (0, 0)
    assert (third.new, third.regressions) == (0, 1)
    rows = _rows(api.db, first.app.pk)
    assert {rule: f.id for rule, f in rows.items()} == ids
    sqli = rows["py.sqli"]
    assert sqli.title == "SQL injection"
    assert sqli.line == 41
    assert (sqli.scan_first_seen, sqli.scan_last_seen) == (first.scan.id, third.scan.id)
    assert json.loads(json.dumps(sqli.details))["source_method"] == "views.search"
    assert _occurrences(api.db, second.scan.id) == {ids["py.sqli"]: (40, False)}
    assert _occurrences(api.db, third.scan.id) == {
        ids["py.sqli"]: (41, False),
        ids["secrets.aws"]: (3, True),
    }
    assert _tags(api.db, ids["py.sqli"]) == {"tool": "semgrep"}


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _many(count: int, offset: int = 0) -> list[FindingRecord]:
    return [
        _sqli(line=offset + i).model_copy(
            update={"snippet": f"run(q{offset + i})", "file": f"app/m{i}.py"}
        )
        for i in range(count)
    ]


def test_statement_count_does_not_grow_with_the_findings(api: Api) -> None:
    counts = {}
    for size in (5, 400):
        app = f"sized-{size}"
        with _statements(api.db) as first:
            _ingest(api.db, api.org_id, _many(size), app=app)
        with _statements(api.db) as again:
            _ingest(api.db, api.org_id, _many(size), app=app)
        counts[size] = (len(first), len(again))
        # A rescan of known findings updates them with one executemany.
        updates = [s for s in again if s.startswith("UPDATE findings SET type")]
        assert len(updates) == 1

    # Batched statements: 400 findings take as many as 5.
    assert counts[400] == counts[5]
