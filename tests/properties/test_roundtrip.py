"""Export then import: SARIF results and CycloneDX components keep their identity."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.db import Database
from sordino.findings.models import Finding
from sordino.findings.serialize import extra_tags, read
from sordino.importers.cyclonedx import parse_cyclonedx
from sordino.importers.sarif import parse_sarif
from sordino.ingest.bundle import DataflowStep, FindingRecord, PackageRecord, ScanBundle
from sordino.ingest.service import identify, ingest
from sordino.orgs import service as orgs
from sordino.reports.sarif import export_scan
from sordino.sca.sbom import export as export_sbom
from tests.conftest import TEST_KEY

# The client's lifespan closes the database pool at the end of the session.
pytestmark = pytest.mark.usefixtures("client")

SEGMENT = st.text(alphabet="abcdefgh_-", min_size=1, max_size=6)
RECORDS = st.lists(
    st.builds(
        FindingRecord,
        rule_id=st.sampled_from(["py.sqli", "js/xss", "go.cmdi", "secret.key"]),
        title=st.text(alphabet="abc XYZ", min_size=1, max_size=12),
        severity=st.sampled_from(["critical", "high", "medium", "low"]),
        file=st.lists(SEGMENT, min_size=1, max_size=3).map("/".join),
        line=st.integers(1, 5_000),
        snippet=st.text(alphabet="abc()+= '", max_size=20),
    ),
    max_size=15,
)
# Braces are escaped in SARIF messages; method names have dots in them.
WORDS = st.text(alphabet="abc XY{}()'.", max_size=16)
STEPS = st.lists(
    st.builds(
        DataflowStep,
        file_name=st.lists(SEGMENT, min_size=1, max_size=2).map("/".join),
        line_number=st.integers(0, 500),
        method_name=st.text(alphabet="abc._{}", max_size=10),
        short_method_name=st.text(alphabet="abc", max_size=4),
        class_name=st.text(alphabet="ABC", max_size=4),
        code=WORDS,
        method_tags=st.lists(
            st.fixed_dictionaries({"key": SEGMENT, "value": SEGMENT}), max_size=1
        ),
    ),
    max_size=3,
)
FINDINGS = st.lists(
    st.builds(
        FindingRecord,
        type=st.sampled_from(["vuln", "secret", "package", "oss_vuln", "extscan"]),
        rule_id=st.sampled_from(["py.sqli", "js/xss", "bandit.B105", "package"]),
        title=st.text(alphabet="abc XYZ{}@", min_size=1, max_size=12),
        description=st.text(alphabet="abc {}\n", max_size=24),
        severity=st.sampled_from(["critical", "high", "medium", "low"]),
        category=st.sampled_from(["", "SQL Injection", "Hardcoded Credentials"]),
        cwe=st.lists(st.sampled_from([79, 89, 798]), max_size=2, unique=True),
        owasp_2021=st.sampled_from(["", "a03-injection"]),
        language=st.sampled_from(["", "python", "go"]),
        file=st.lists(SEGMENT, min_size=1, max_size=3).map("/".join),
        line=st.integers(0, 5_000),
        snippet=st.text(alphabet="abc()+= '", max_size=20),
        source_method=WORDS,
        sink_method=WORDS,
        dataflow=STEPS,
        tags=st.dictionaries(
            st.sampled_from(["framework", "package_url", "confidence"]),
            st.text(alphabet="abc:/@.", min_size=1, max_size=10),
            max_size=2,
        ),
        details=st.dictionaries(
            st.sampled_from(["more_info", "entropy", "fix"]), WORDS, max_size=2
        ),
    ),
    max_size=10,
)
# What a client reads of a finding, and must read the same after a round trip.
SHOWN = ("type", "title", "description", "severity", "category", "tags", "details")
PACKAGES = st.lists(
    st.builds(
        lambda name, version: PackageRecord(
            purl=f"pkg:pypi/{name}@{version}", type="pypi", name=name, version=version
        ),
        st.text(alphabet="abcdefgh", min_size=1, max_size=8),
        st.sampled_from(["1.0.0", "2.3.1", "0.9"]),
    ),
    max_size=8,
    unique_by=lambda package: package.name,
)


def _org(db: Database) -> str:
    with db.session() as session:
        made = orgs.create(
            session,
            name="roundtrip",
            email=f"rt-{uuid.uuid4().hex[:8]}@example.com",
            key=TEST_KEY,
            issuer="sordino",
        )
        return made.org.id


@settings(max_examples=15)
@given(RECORDS)
def test_sarif_export_imports_back_to_the_same_findings(
    db: Database, records: list[FindingRecord]
) -> None:
    """Every exported result re-imports with its finding's internal id."""
    org_id = _org(db)
    with db.session() as session:
        result = ingest(session, org_id, ScanBundle(app="rt", findings=records))
        stored = {row[0] for row in identify(records)}
        logs = export_scan(session, result.scan)
    imported = []
    for document in logs:
        raw = io.BytesIO(json.dumps(document).encode())
        imported += parse_sarif(raw, app="rt").findings
    assert {internal_id for internal_id, _ in identify(imported)} == stored
    with db.session() as session:
        again = ingest(session, org_id, ScanBundle(app="rt", findings=imported))
    assert (again.new, again.findings) == (0, len(stored))


def _shown(session: Session, org_id: str, app_pk: int) -> dict[str, dict[str, Any]]:
    """The findings of ``app`` as the API shows them, dataflows included."""
    rows = session.scalars(
        select(Finding).where(Finding.org_id == org_id, Finding.app_pk == app_pk)
    ).all()
    tags = extra_tags(session, [row.id for row in rows])
    shown = {}
    for row in rows:
        body = read(row, app_id="", tags=tags[row.id], include_dataflows=True)
        shown[row.internal_id] = {key: body[key] for key in SHOWN}
    return shown


@settings(max_examples=15)
@given(FINDINGS)
def test_sarif_round_trip_shows_the_same_findings(
    db: Database, records: list[FindingRecord]
) -> None:
    """Type, title, tags, details and dataflow survive export and import."""
    org_id = _org(db)
    with db.session() as session:
        result = ingest(session, org_id, ScanBundle(app="rt", findings=records))
        logs = export_scan(session, result.scan)
        before = _shown(session, org_id, result.app.pk)
    imported = []
    for document in logs:
        raw = io.BytesIO(json.dumps(document).encode())
        imported += parse_sarif(raw, app="rt-copy").findings
    with db.session() as session:
        copy = ingest(session, org_id, ScanBundle(app="rt-copy", findings=imported))
        after = _shown(session, org_id, copy.app.pk)
    assert after == before


@settings(max_examples=15)
@given(PACKAGES)
def test_cyclonedx_export_imports_back_to_the_same_packages(
    db: Database, packages: list[PackageRecord]
) -> None:
    """Every package of a scan comes back from its SBOM with the same purl."""
    org_id = _org(db)
    with db.session() as session:
        result = ingest(session, org_id, ScanBundle(app="sbom", packages=packages))
        document = export_sbom(session, result.app, result.scan)
    bundle = parse_cyclonedx(io.BytesIO(json.dumps(document).encode()), app="sbom")
    assert sorted(p.purl for p in bundle.packages) == sorted(p.purl for p in packages)
