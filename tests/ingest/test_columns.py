"""Report text is stored alike in every database: NULs stripped, lengths fitted.

PostgreSQL refused these reports (NUL in text, values longer than their
VARCHAR column) where SQLite stored them; both now store the same thing.
"""

from __future__ import annotations

from sqlalchemy import select

from sordino.findings.models import Finding, FindingTag
from sordino.ingest.bundle import DataflowStep, FindingRecord, PackageRecord, ScanBundle
from sordino.ingest.service import ingest
from sordino.sca.models import Package
from sordino.scans.models import Scan
from tests.conftest import Api


def _odd_finding() -> FindingRecord:
    return FindingRecord(
        type="extscan",
        rule_id="r" * 300 + "\x00",
        title="SQL\x00 injection",
        description="a message with a NUL\x00 in it",
        category="c" * 300,
        engine="e" * 100,
        file="src/\x00app.py",
        line=3,
        details={"fileName": "src/\x00app.py", "k\x00": ["\x00v"]},
        dataflow=[DataflowStep(file_name="a.py", line_number=1, code="q\x00")],
        fixes=[{"description": "fix\x00", "changes": []}],
        remediation="upgrade\x00",
        tags={"tool": "t\x00", "k" * 300: "v" * 2000},
    )


def _odd_package() -> PackageRecord:
    return PackageRecord(
        purl="pkg:generic/lib\x00@1",
        name="n\x00" + "n" * 600,
        version="1\x00",
        license="MIT\x00",
    )


def _stored(api: Api, bundle: ScanBundle) -> tuple[Scan, Finding, dict[str, str]]:
    with api.db.session() as session:
        result = ingest(session, api.org_id, bundle)
        scan_id = result.scan.id
    with api.db.session() as session:
        scan = session.get_one(Scan, scan_id)
        finding = session.scalars(
            select(Finding).where(Finding.scan_first_seen == scan_id)
        ).one()
        rows = session.scalars(
            select(FindingTag).where(FindingTag.finding_id == finding.id)
        )
        return scan, finding, {tag.key: tag.value for tag in rows}


def test_nul_is_stripped_and_long_values_are_cut(api: Api) -> None:
    bundle = ScanBundle(
        app="odd",
        agent="tool\x00" + "x" * 300,
        language="l" * 100,
        findings=[_odd_finding()],
        packages=[_odd_package()],
    )
    scan, finding, tags = _stored(api, bundle)

    assert (finding.title, finding.remediation) == ("SQL injection", "upgrade")
    assert finding.description == "a message with a NUL in it"
    assert finding.file == "src/app.py"
    assert (finding.rule_id, finding.category) == ("r" * 255, "c" * 255)
    assert finding.engine == "e" * 64
    assert finding.details == {"fileName": "src/app.py", "k": ["v"]}
    assert finding.dataflow[0]["code"] == "q"
    assert finding.fixes == [{"description": "fix", "changes": []}]
    assert tags == {"tool": "t", "k" * 255: "v" * 1024}
    assert scan.agent == "tool" + "x" * 251
    assert scan.language == "l" * 64
    with api.db.session() as session:
        package = session.scalars(select(Package).where(Package.scan_id == scan.id))
        (stored,) = package.all()
    assert (stored.purl, stored.version, stored.license) == (
        "pkg:generic/lib@1",
        "1",
        "MIT",
    )
    assert stored.name == "n" * 512


def test_long_fingerprints_stay_distinct_within_their_column(api: Api) -> None:
    prints = ["rule/" + "a" * 600 + "1", "rule/" + "a" * 600 + "2"]
    findings = [
        FindingRecord(rule_id="rule", title=f"t{i}", fingerprint=p)
        for i, p in enumerate(prints)
    ]
    with api.db.session() as session:
        result = ingest(session, api.org_id, ScanBundle(app="long", findings=findings))
        assert result.findings == 2
    with api.db.session() as session:
        ids = session.scalars(
            select(Finding.internal_id).where(Finding.app_pk == result.app.pk)
        ).all()
    assert len(set(ids)) == 2
    assert all(len(i) == 512 and i.startswith("rule/aaa") for i in ids)
    # The same report again finds the same findings.
    with api.db.session() as session:
        again = ingest(session, api.org_id, ScanBundle(app="long", findings=findings))
        assert (again.findings, again.new) == (2, 0)
