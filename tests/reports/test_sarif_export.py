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
    web, api_scan, docs = (item["scan"] for item in made)
    assert [(r["automationDetails"]["id"], len(r["results"])) for r in runs] == [
        (f"sordino/web/part-1/{web}", 2),
        (f"sordino/web/part-2/{web}", 1),
        (f"sordino/api/{api_scan}", 1),
        (f"sordino/docs/{docs}", 0),
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


def _package(name: str, version: str) -> FindingRecord:
    purl = f"pkg:pypi/{name}@{version}"
    return FindingRecord(
        type="package",
        rule_id="package",
        title=f"{name}@{version}",
        description=f"Dependency {name}@{version} declared in requirements.txt",
        severity="low",
        file="requirements.txt",
        tags={"package_url": purl},
    )


def _advisory(name: str, version: str) -> FindingRecord:
    return FindingRecord(
        type="oss_vuln",
        rule_id="GHSA-qrw5-5h28-modded",
        title=f"CVE-2021-33203: Path traversal in {name} {version}",
        description="Path traversal in admindocs' TemplateDetailView.",
        severity="medium",
        cvss_score=4.9,
        cwe=[22],
        file="requirements.txt",
        line=3,
        tags={"package_url": f"pkg:pypi/{name}@{version}", "cve": "CVE-2021-33203"},
        details={"fix": "Upgrade to 3.2.4", "aliases": ["CVE-2021-33203"]},
    )


def _secret() -> FindingRecord:
    return FindingRecord(
        type="secret",
        rule_id="secrets.aws-access-key",
        title="Hardcoded Credentials: AWS access key",
        severity="high",
        category="Hardcoded Credentials",
        cwe=[798],
        file="app/settings.py",
        line=7,
        details={"secret": "AKIA****", "entropy": "3.68"},
    )


def _password(line: int, shown: str) -> FindingRecord:
    """Two findings of one rule whose titles differ, as bandit's do."""
    return FindingRecord(
        rule_id="bandit.B105",
        title=f"Hardcoded Credentials: Possible hardcoded password: '{shown}'",
        description="Hard-coded password {{ in a template }}.",
        severity="low",
        category="Hardcoded Credentials",
        language="python",
        file="app/config.py",
        line=line,
        tags={"bandit_test": "B105", "confidence": "MEDIUM"},
    )


def _traced() -> FindingRecord:
    finding = sqli()
    finding.dataflow[0] = DataflowStep(
        file_name="app/views.py",
        line_number=4,
        method_name="app.views.Search.get",
        short_method_name="get",
        class_name="Search",
        code="request.args['q']",
        method_tags=[{"key": "framework", "value": "flask"}],
    )
    return finding


def _mixed() -> list[FindingRecord]:
    return [
        _traced(),
        xss(),
        _password(3, "wJal****"),
        _password(9, "Sup3****"),
        _package("django", "3.2.0"),
        _package("requests", "2.19.0"),
        _advisory("django", "3.2.0"),
        _secret(),
    ]


def _shown(api: Api, app: str) -> dict[str, Any]:
    """The app's findings as the API lists them, by internal id."""
    body = api.ok(
        "GET",
        f"/orgs/{{org}}/apps/{app}/findings",
        params={"include_dataflows": "true", "per_page": 100},
    )
    return {finding["internal_id"]: finding for finding in body["findings"]}


SHOWN = ("type", "title", "description", "severity", "category", "owasp_category")


def test_round_trip_gives_back_the_findings_the_api_shows(api: Api) -> None:
    made = add_scan(api.db, api.org_id, _mixed())
    document = _export(api.db, made["scan"])[0]
    assert validate_sarif(document) == []

    bundle = parse_sarif(io.BytesIO(json.dumps(document).encode()), app="copy")
    with api.db.session() as session:
        ingest(session, api.org_id, bundle)

    before, after = _shown(api, "shop"), _shown(api, "copy")
    assert set(after) == set(before)
    assert len(before) == 8
    for internal_id, finding in before.items():
        back = after[internal_id]
        assert {k: back[k] for k in SHOWN} == {k: finding[k] for k in SHOWN}
        assert back["tags"] == finding["tags"]
        assert back["details"] == finding["details"]
    traced = next(f for f in after.values() if f["details"].get("source_method"))
    assert traced["type"] == "vuln"
    assert (traced["details"]["source_method"], traced["details"]["sink_method"]) == (
        "views.search",
        "cursor.execute",
    )
    assert traced["details"]["file_locations"] == ["app/db.py:12"]
    steps = [s["location"] for s in traced["details"]["dataflow"]["list"]]
    assert [(s["method_name"], s["class_name"]) for s in steps] == [
        ("app.views.Search.get", "Search"),
        ("execute", ""),
    ]
    titles = sorted(f["title"] for f in after.values() if f["type"] == "package")
    assert titles == ["django@3.2.0", "requests@2.19.0"]


def test_rules_describe_the_rule_and_results_carry_their_title(api: Api) -> None:
    made = add_scan(api.db, api.org_id, _mixed())

    run = _export(api.db, made["scan"])[0]["runs"][0]

    rules = run["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    package = by_id["package"]["shortDescription"]["text"]
    assert "django" not in package
    assert "requests" not in package
    advisory = by_id["GHSA-qrw5-5h28-modded"]
    assert advisory["shortDescription"]["text"] == (
        "GHSA-qrw5-5h28-modded: Path traversal in admindocs' TemplateDetailView."
    )
    assert "wJal" not in by_id["bandit.B105"]["shortDescription"]["text"]
    assert by_id["python.sqli"]["shortDescription"]["text"] == _traced().title
    with api.db.session() as session:
        query = select(Finding.internal_id, Finding.title)
        rows = session.execute(query.where(Finding.org_id == api.org_id)).all()
    titles = dict(rows)
    for result in run["results"]:
        title = result["message"]["text"].split("\n\n")[0]
        assert title == titles[result["partialFingerprints"]["sordinoInternalId/v1"]]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_other_tools_findings_stay_external_scans() -> None:
    document = log_of(
        [
            {
                "tool": {"driver": {"name": "CodeQL", "rules": [{"id": "py/sqli"}]}},
                "results": [
                    {
                        "ruleId": "py/sqli",
                        "message": {"text": "Query built from user input."},
                        "properties": {"sordino-tags": {"category": "Spoofed"}},
                    }
                ],
            }
        ]
    )

    (finding,) = parse_sarif(
        io.BytesIO(json.dumps(document).encode()), app="a"
    ).findings

    assert finding.type == "extscan"
    assert finding.rule_id == "codeql/py/sqli"
    assert finding.tags == {"tool": "CodeQL"}
    assert finding.title == "Query built from user input."


def test_run_ids_name_category_and_scan_and_import_back(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [sqli()], app="ci-demo")

    document = _export(api.db, made["scan"])[0]

    (run,) = document["runs"]
    category, run_id = run["automationDetails"]["id"].rsplit("/", 1)
    assert (category, run_id) == ("sordino/ci-demo", made["scan"])
    assert validate_sarif(document) == []
    bundle = parse_sarif(io.BytesIO(json.dumps(document).encode()), app="ci-demo")
    assert [record.type for record in bundle.findings] == ["vuln"]
