"""The taxonomy table: categories, CWE lookups and OWASP slugs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sordino.analysis import taxonomy

REFERENCE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "qwiet-api-reference.txt"
)
SEVERITY_BANDS = {
    "critical": (9.0, 10.0),
    "high": (7.0, 8.9),
    "medium": (4.0, 6.9),
    "low": (0.1, 3.9),
}


def _reference_text() -> str:
    if not REFERENCE.is_file():
        pytest.skip(f"API reference not found at {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


@pytest.mark.parametrize("category", taxonomy.CATEGORIES.values(), ids=str)
def test_category_fields_are_consistent(category: taxonomy.Category) -> None:
    assert taxonomy.CATEGORIES[category.name] is category
    assert category.owasp_2017 in taxonomy.OWASP_2017
    assert category.owasp_2021 in taxonomy.OWASP_2021
    assert category.owasp_2025 in taxonomy.OWASP_2025
    low, high = SEVERITY_BANDS[category.severity]
    assert low <= category.cvss <= high
    assert taxonomy.for_cwe(category.cwe) is not None


def test_owasp_tables_have_ten_entries_each() -> None:
    for table in (taxonomy.OWASP_2017, taxonomy.OWASP_2021, taxonomy.OWASP_2025):
        assert len(table) == 10
    assert taxonomy.OWASP_2021["a03-injection"] == "A03:2021 Injection"
    assert (
        "Software Supply Chain Failures"
        in taxonomy.OWASP_2025["a03-software-supply-chain-failures"]
    )
    assert (
        "Exceptional Conditions"
        in taxonomy.OWASP_2025["a10-mishandling-of-exceptional-conditions"]
    )


def test_reference_owasp_slugs_are_known() -> None:
    text = _reference_text()
    slugs = set(re.findall(r'"(a\d{1,2}-[^"]+)": \{', text))
    known = set(taxonomy.OWASP_2017) | set(taxonomy.OWASP_2021)
    assert "a9-using components with known vulnerabilities" in slugs
    assert slugs <= known


def test_reference_category_names_resolve() -> None:
    text = _reference_text()
    start = text.index("Returns a detailed list of OWASP categories")
    block = text[start : text.index("Scopes define", start)]
    names = set(re.findall(r'- "([A-Z][A-Za-z -]+)": 0', block))
    assert "SQL Injection" in names
    unresolved = sorted(name for name in names if taxonomy.get(name) is None)
    assert unresolved == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SQL Injection", "SQL Injection"),
        ("XSS", "XSS"),
        ("Cross-Site Scripting", "XSS"),
        ("potential cross-site scripting", "XSS"),
        ("SSRF", "Server-Side Request Forgery"),
        ("Code Injection", "Remote Code Execution"),
        ("path traversal", "Directory Traversal"),
        ("Insecure TLS", "Invalid Certificate Validation"),
        ("Secrets", "Hardcoded Credentials"),
        ("  weak hash ", "Weak Hash"),
    ],
)
def test_get_accepts_names_and_aliases(name: str, expected: str) -> None:
    category = taxonomy.get(name)
    assert category is not None
    assert category.name == expected


def test_get_unknown_name_is_none() -> None:
    assert taxonomy.get("Quantum Leakage") is None
    assert taxonomy.get("") is None


@pytest.mark.parametrize(
    ("cwe", "expected"),
    [
        (89, "SQL Injection"),
        (564, "SQL Injection"),
        (78, "Command Injection"),
        (88, "Command Injection"),
        (94, "Remote Code Execution"),
        (79, "XSS"),
        (22, "Directory Traversal"),
        (918, "Server-Side Request Forgery"),
        (601, "Open Redirect"),
        (502, "Deserialization"),
        (611, "XML External Entities"),
        (90, "LDAP Injection"),
        (113, "Header Injection"),
        (93, "CRLF Injection"),
        (328, "Weak Hash"),
        (327, "Weak Cipher"),
        (338, "Weak Random"),
        (295, "Invalid Certificate Validation"),
        (798, "Hardcoded Credentials"),
        (489, "Security Misconfiguration"),
        (614, "Insecure Cookie"),
        (1004, "Insecure Cookie"),
        (200, "Sensitive Data Leak"),
        (1104, "Vulnerable Dependency"),
    ],
)
def test_for_cwe(cwe: int, expected: str) -> None:
    category = taxonomy.for_cwe(cwe)
    assert category is not None
    assert category.name == expected


def test_for_cwe_covers_many_cwes_and_rejects_unknown() -> None:
    mapped = [cwe for cwe in range(1, 1500) if taxonomy.for_cwe(cwe) is not None]
    assert len(mapped) >= 60
    assert taxonomy.for_cwe(999_999) is None
    assert taxonomy.for_cwe(0) is None


def test_owasp_helpers() -> None:
    assert taxonomy.owasp_2017_for_cwe(89) == "a1-injection"
    assert taxonomy.owasp_2021_for_cwe(89) == "a03-injection"
    assert taxonomy.owasp_2025_for_cwe(89) == "a05-injection"
    assert taxonomy.owasp_2021_for_cwe(918) == "a10-server-side-request-forgery-(ssrf)"
    assert taxonomy.owasp_2025_for_cwe(918) == "a01-broken-access-control"
    assert taxonomy.owasp_2017_for_cwe(502) == "a8-insecure-deserialization"
    assert taxonomy.owasp_2021_for_cwe(327) == "a02-cryptographic-failures"
    assert taxonomy.owasp_2025_for_cwe(327) == "a04-cryptographic-failures"
    for helper in (
        taxonomy.owasp_2017_for_cwe,
        taxonomy.owasp_2021_for_cwe,
        taxonomy.owasp_2025_for_cwe,
    ):
        assert helper(999_999) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CWE-89", 89),
        ("cwe-79: Improper Neutralization", 79),
        ("external/cwe/cwe-089", 89),
        ("CWE_611", 611),
        (" 502 ", 502),
        ("CWE", None),
        ("", None),
        ("no tag here", None),
    ],
)
def test_parse_cwe(text: str, expected: int | None) -> None:
    assert taxonomy.parse_cwe(text) == expected


def test_category_is_immutable() -> None:
    category = taxonomy.CATEGORIES["Weak Hash"]
    with pytest.raises(AttributeError):
        category.severity = "low"  # type: ignore[misc]
