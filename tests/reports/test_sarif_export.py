"""SARIF export: schema-valid, round-trips through the importer, within limits."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sordino.apps.models import App
from sordino.db import Database
from sordino.findings.models import Finding
from sordino.importers.sarif import parse_sarif
from sordino.importers.validate import validate_sarif
from sordino.ingest.bundle import DataflowStep, FindingRecord
from sordino.ingest.service import ingest
from sordino.reports.sarif import (
    FLOW_STEPS,
    Limits,
    export_scan,
    export_scans,
    gzip_size,
    log_of,
)
from sordino.scans.models import Scan
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api


def _export(db: Database, scan_id: str, limits: Limits | None = None) -> Any:
    with db.session() as session:
        scan = session.get(Scan, int(scan_id))
        assert scan is not None
        return export_scan(session, scan, limits)


def _internal_ids(db: Database, org_id: str, app_pk: int | None = None) -> set[str]:
    with db.session() as session:
        query = select(Finding.internal_id).where(Finding.org_id == org_id)
        if app_pk is not None:
            query = query.where(Finding.app_pk == app_pk)
        return set(session.scalars(query))


def _many(count: int) -> list[FindingRecord]:
    return [sqli(path=f"app/module_{i}.py", line=i + 1) for i in range(count)]


def test_export_validates_against_the_schema(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])

    documents = _export(api.db, made["scan"])

    assert len(documents) == 1
    assert validate_sarif(documents[0]) == []
    run = documents[0]["runs"][0]
    assert run["tool"]["driver"]["name"] == "sordino"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"python.sqli", "python.xss", "python.md5"}
    sql = by_rule["python.sqli"]
    assert sql["level"] == "error"
    assert sql["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}
    flow = sql["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["message"]["text"] for step in flow] == [
        "search",
        "execute",
    ]
    rules = run["tool"]["driver"]["rules"]
    assert rules[sql["ruleIndex"]]["id"] == "python.sqli"
    assert "external/cwe/cwe-89" in rules[sql["ruleIndex"]]["properties"]["tags"]
    assert by_rule["python.md5"]["level"] == "warning"


def test_round_trip_keeps_internal_ids(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])
    original = _internal_ids(api.db, api.org_id)
    document = _export(api.db, made["scan"])[0]

    bundle = parse_sarif(io.BytesIO(json.dumps(document).encode()), app="shop")

    assert {record.fingerprint for record in bundle.findings} == original
    by_print = {record.fingerprint: record for record in bundle.findings}
    assert {(r.file, r.line) for r in by_print.values()} == {
        ("app/db.py", 12),
        ("app/views.py", 30),
        ("app/auth.py", 8),
    }
    injection = next(r for r in bundle.findings if r.file == "app/db.py")
    assert [step.line_number for step in injection.dataflow] == [4, 12]
    assert injection.cwe == [89]
    with api.db.session() as session:
        result = ingest(session, api.org_id, bundle)
        assert result.new == 0
        assert result.findings == 3


def test_ignored_findings_export_as_suppressed(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli(), weak_hash()])
    with api.db.session() as session:
        session.execute(
            update(Finding)
            .where(Finding.org_id == api.org_id, Finding.rule_id == "python.md5")
            .values(status="ignored")
        )
    document = _export(api.db, made["scan"])[0]
    suppressed = [r for r in document["runs"][0]["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["python.md5"]
    bundle = parse_sarif(io.BytesIO(json.dumps(document).encode()), app="shop")
    assert sorted(r.suppressed for r in bundle.findings) == [False, True]


def test_runs_and_files_are_split_without_losing_results(api: Api) -> None:
    made = add_scan(api.db, api.org_id, _many(5))

    documents = _export(
        api.db, made["scan"], Limits(results_per_run=2, runs_per_file=2)
    )

    assert [len(d["runs"]) for d in documents] == [2, 1]
    sizes = [len(run["results"]) for d in documents for run in d["runs"]]
    assert sizes == [2, 2, 1]
    exported = [
        r["partialFingerprints"]["sordinoInternalId/v1"]
        for d in documents
        for run in d["runs"]
        for r in run["results"]
    ]
    assert sorted(exported) == sorted(_internal_ids(api.db, api.org_id))
    ids = [run["automationDetails"]["id"] for d in documents for run in d["runs"]]
    assert len(set(ids)) == 3
    for document in documents:
        assert validate_sarif(document) == []


def test_size_limit_splits_files(api: Api) -> None:
    made = add_scan(api.db, api.org_id, _many(8))
    whole = _export(api.db, made["scan"])[0]
    limit = gzip_size(whole) - 1

    documents = _export(api.db, made["scan"], Limits(gzip_bytes=limit))

    assert len(documents) > 1
    assert all(gzip_size(d) <= limit for d in documents)
    total = sum(len(run["results"]) for d in documents for run in d["runs"])
    assert total == 8


def test_empty_scan_exports_one_empty_run(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [])
    documents = _export(api.db, made["scan"])
    assert len(documents) == 1
    assert documents[0]["runs"][0]["results"] == []
    assert validate_sarif(documents[0]) == []


def test_long_dataflows_are_capped_keeping_the_sink(api: Api) -> None:
    finding = sqli()
    finding.dataflow = [
        DataflowStep(file_name="app/chain.py", line_number=i + 1)
        for i in range(FLOW_STEPS + 50)
    ]
    made = add_scan(api.db, api.org_id, [finding])

    result = _export(api.db, made["scan"])[0]["runs"][0]["results"][0]

    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(steps) == FLOW_STEPS
    last = steps[-1]["location"]["physicalLocation"]["region"]["startLine"]
    assert last == FLOW_STEPS + 50


def _scans(session: Session, made: list[dict[str, Any]]) -> list[tuple[Scan, App]]:
    rows = []
    for item in made:
        scan = session.get(Scan, int(item["scan"]))
        assert scan is not None
        app = session.get(App, scan.app_pk)
        assert app is not None
        rows.append((scan, app))
    return rows


def test_several_scans_make_one_run_each_split_like_a_lone_scan(api: Api) -> None:
    made = [
        add_scan(api.db, api.org_id, _many(3), app="web"),
        add_scan(api.db, api.org_id, [xss()], app="api"),
        add_scan(api.db, api.org_id, [], app="docs"),
    ]
    with api.db.session() as session:
        documents = export_scans(
            session, _scans(session, made), Limits(results_per_run=2, runs_per_file=3)
        )

    runs = [run for d in documents for run in d["runs"]]
    assert [len(d["runs"]) for d in documents] == [3, 1]
    assert [(r["automationDetails"]["id"], len(r["results"])) for r in runs] == [
        ("sordino/web/part-1/", 2),
        ("sordino/web/part-2/", 1),
        ("sordino/api/", 1),
        ("sordino/docs/", 0),
    ]
    for document in documents:
        assert validate_sarif(document) == []
    exported = {
        r["partialFingerprints"]["sordinoInternalId/v1"]
        for run in runs
        for r in run["results"]
    }
    assert exported == _internal_ids(api.db, api.org_id)


def test_no_scans_is_one_log_without_runs(api: Api) -> None:
    with api.db.session() as session:
        documents = export_scans(session, [])
    assert documents == [log_of([])]
    assert validate_sarif(documents[0]) == []
