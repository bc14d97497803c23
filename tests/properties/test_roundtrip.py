"""Export then import: SARIF results and CycloneDX components keep their identity."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sordino.db import Database
from sordino.importers.cyclonedx import parse_cyclonedx
from sordino.importers.sarif import parse_sarif
from sordino.ingest.bundle import FindingRecord, PackageRecord, ScanBundle
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
