"""OWASP, CWE and PCI DSS reports (#85-#87) as HTML and PDF, and SARIF export."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from sordino.findings.models import Comment, Finding
from tests.api.scandata import add_scan, sqli, weak_hash, xss
from tests.conftest import Api


def _path(scan: str, name: str) -> str:
    return f"/orgs/{{org}}/apps/shop/scans/{scan}/reports/{name}"


@pytest.fixture
def scan(api: Api) -> str:
    """A scan with three findings, one of them ignored and commented."""
    made = add_scan(api.db, api.org_id, [sqli(), xss(), weak_hash()])
    with api.db.session() as session:
        session.execute(
            update(Finding)
            .where(Finding.org_id == api.org_id, Finding.category == "Weak Hash")
            .values(status="ignored")
        )
        xss_id = (
            session.query(Finding.id)
            .filter_by(org_id=api.org_id, category="XSS")
            .scalar()
        )
        session.add(
            Comment(
                finding_id=xss_id,
                user_id=api.user_id,
                user_email="reviewer@example.com",
                comment="escaping <b>tags</b> is planned",
            )
        )
    return made["scan"]


def test_owasp_2021_html_groups_open_findings(api: Api, scan: str) -> None:
    response = api.get(_path(scan, "owasp-2021.html"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "A03:2021 Injection" in page
    assert "<svg" in page
    assert "SQL Injection: request data reaches a query" in page
    assert "app/db.py:12" in page
    assert "app/views.py:4 search" in page
    # Ignored findings are left out by default.
    assert "MD5 used for passwords" not in page
    assert "<script" not in page


def test_owasp_years_use_their_own_entries(api: Api, scan: str) -> None:
    page_2017 = api.get(_path(scan, "owasp-2017.html")).text
    assert "A1:2017 Injection" in page_2017
    assert "A7:2017 Cross-Site Scripting (XSS)" in page_2017
    page_2025 = api.get(_path(scan, "owasp-2025.html"), params={"status": "any"}).text
    assert "A05:2025 Injection" in page_2025
    assert "A04:2025 Cryptographic Failures" in page_2025


def test_status_comments_and_time_zone(api: Api, scan: str) -> None:
    ignored = api.get(
        _path(scan, "owasp-2021.html"), params={"status": "ignored", "comments": "true"}
    ).text
    assert "MD5 used for passwords" in ignored
    assert "SQL Injection: request data" not in ignored

    commented = api.get(
        _path(scan, "owasp-2021.html"),
        params={"comments": "true", "tz": "America/New_York"},
    ).text
    assert "reviewer@example.com" in commented
    assert "escaping &lt;b&gt;tags&lt;/b&gt; is planned" in commented
    assert re.search(r"E[SD]T", commented)
    plain = api.get(_path(scan, "owasp-2021.html")).text
    assert "reviewer@example.com" not in plain


def test_cwe_and_pci_reports(api: Api, scan: str) -> None:
    cwe = api.get(_path(scan, "cwe.html")).text
    assert "CWE-89: SQL Injection" in cwe
    assert "CWE-79" in cwe
    assert cwe.index("CWE-79:") < cwe.index("CWE-89:")
    pci = api.get(_path(scan, "pci_dss/html"))
    assert pci.status_code == 200
    assert "6.2.4 Software is protected from injection attacks" in pci.text
    no_info = api.get(
        _path(scan, "pci_dss/html"), params={"ignore_info_findings": "true"}
    )
    assert no_info.status_code == 200


def test_pdf_report_is_a_pdf(api: Api, scan: str) -> None:
    response = api.get(_path(scan, "owasp-2021.pdf"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"%%EOF" in response.content[-64:]


def test_bad_report_parameters_are_400(api: Api, scan: str) -> None:
    for name, params in [
        ("owasp-2019.html", {}),
        ("owasp-2021.docx", {}),
        ("cwe.txt", {}),
        ("owasp-2021.html", {"status": "maybe"}),
        ("owasp-2021.html", {"tz": "Mars/Olympus"}),
    ]:
        response = api.get(_path(scan, name), params=params)
        assert response.status_code == 400, name
        body = response.json()
        assert set(body) == {"ok", "code", "message", "validation_errors"}
        assert body["code"] == "VALIDATION_FAILED"
    assert api.get(_path("999999", "cwe.html")).status_code == 404


def test_empty_scan_renders(api: Api) -> None:
    made = add_scan(api.db, api.org_id, [])
    page = api.get(_path(made["scan"], "cwe.html"))
    assert page.status_code == 200
    assert "No findings match" in page.text


def test_sarif_route_returns_a_log(api: Api, scan: str) -> None:
    response = api.get(_path(scan, "sarif"))

    assert response.status_code == 200
    assert response.headers["x-sarif-parts"] == "1"
    log = response.json()
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 3
    assert api.get(_path(scan, "sarif"), params={"part": 2}).status_code == 404
