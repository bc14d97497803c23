"""OWASP counts of a scan (#110): categories per OWASP Top 10 entry.

``TREE`` is the breakdown the API shows even when nothing was found: for each
OWASP 2017 and 2021 entry, the finding categories that usually fall under it,
each starting at zero. Findings add to those counts; a category outside the
tree gets its own key under its entry.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sordino.analysis import taxonomy
from sordino.findings.models import Finding, Occurrence

UNCATEGORIZED = "uncategorized"

TREE: dict[str, dict[str, tuple[str, ...]]] = {
    "2017": {
        "uncategorized": (
            "Authentication Bypass",
            "Cross-Site Request Forgery",
            "Deprecated Function Use",
            "Fingerprinting",
            "Insecure Direct Object Reference",
            "Invalid Certificate Validation",
            "Open Redirect",
            "Phishing",
            "Potential Cross-Site Scripting",
            "Potential NoSQL Injection",
            "Potential Regex Injection",
            "Potential Remote Code Execution",
            "Potential Server-Side Request Forgery",
            "Potential XML External Entities",
            "Remote Code Execution",
            "Security Misconfiguration",
            "Server-Side Request Forgery",
            "Weak Cipher",
            "Weak Hash",
            "Weak Random",
            "Weak Secret Storage",
        ),
        "a1-injection": (
            "Command Injection",
            "Cross-Site Scripting",
            "Deprecated Function Use",
            "Deserialization",
            "HTTP to Database",
            "Header Injection",
            "JSON Injection",
            "LDAP Injection",
            "Log Forging",
            "Mail Injection",
            "NoSQL Injection",
            "Open Redirect",
            "Potential SQL Injection",
            "Prototype Pollution",
            "Regex Injection",
            "Remote Code Execution",
            "SQL Injection",
            "Security Best Practices",
            "Sensitive Data Leak",
            "Server-Side Request Forgery",
            "Unsafe Lambda Call",
            "Unsafe Reflection",
            "XML External Entities",
            "XPath Injection",
        ),
        "a2-broken-authentication": (
            "Insecure Authentication",
            "Security Misconfiguration",
            "Session Injection",
            "Timing Attack",
        ),
        "a3-sensitive-data-exposure": (
            "Crypto",
            "Denial of Service",
            "Deprecated Function Use",
            "Error Handling",
            "Hardcoded Credentials",
            "Security Best Practices",
            "Security Misconfiguration",
            "Sensitive Data Exposure",
            "Sensitive Data Leak",
            "Sensitive Data Usage",
            "Weak Cipher",
            "Weak Hash",
        ),
        "a4-xml-external-entities": ("XML External Entities",),
        "a5-broken-access-control": (
            "Authentication Bypass",
            "CRLF Injection",
            "Directory Traversal",
            "HTTP to Model",
            "Insecure Content Provider",
            "Insecure Data Storage",
            "Insecure File Provider Paths",
            "Loose File Permissions",
            "Race Condition",
            "Session Injection",
        ),
        "a6-security-misconfiguration": (
            "Cross-Site Request Forgery",
            "Cross-Site Scripting",
            "Denial of Service",
            "Directory Listing",
            "Hardcoded Credentials",
            "Improper Input Validation",
            "Intent Redirection",
            "Security Best Practices",
            "Security Misconfiguration",
            "Sensitive Data Leak",
            "Weak Secret Storage",
        ),
        "a7-cross-site-scripting": (
            "Cross-Site Scripting",
            "Potential Cross-Site Scripting",
            "Security Misconfiguration",
            "Template Injection",
        ),
        "a8-insecure-deserialization": ("Deserialization",),
        "a9-using components with known vulnerabilities": (
            "Denial of Service",
            "Deprecated Function Use",
            "Security Best Practices",
            "Weak Random",
        ),
    },
    "2021": {
        "uncategorized": (
            "Authentication Bypass",
            "Cross-Site Request Forgery",
            "Deprecated Function Use",
            "Fingerprinting",
            "Insecure Direct Object Reference",
            "Invalid Certificate Validation",
            "Open Redirect",
            "Phishing",
            "Potential Cross-Site Scripting",
            "Potential NoSQL Injection",
            "Potential Regex Injection",
            "Potential Remote Code Execution",
            "Potential Server-Side Request Forgery",
            "Potential XML External Entities",
            "Remote Code Execution",
            "Security Misconfiguration",
            "Server-Side Request Forgery",
            "Weak Cipher",
            "Weak Hash",
            "Weak Random",
            "Weak Secret Storage",
        ),
        "a01-broken-access-control": (
            "Authentication Bypass",
            "CRLF Injection",
            "Directory Listing",
            "Directory Traversal",
            "HTTP to Model",
            "Insecure Content Provider",
            "Insecure Data Storage",
            "Insecure File Provider Paths",
            "Loose File Permissions",
            "Race Condition",
            "Security Misconfiguration",
            "Session Injection",
        ),
        "a02-cryptographic-failures": (
            "Denial of Service",
            "Deprecated Function Use",
            "Security Misconfiguration",
            "Weak Random",
        ),
        "a03-injection": (
            "Command Injection",
            "Cross-Site Scripting",
            "Deprecated Function Use",
            "Deserialization",
            "HTTP to Database",
            "Header Injection",
            "Improper Input Validation",
            "JSON Injection",
            "LDAP Injection",
            "Log Forging",
            "Mail Injection",
            "NoSQL Injection",
            "Open Redirect",
            "Potential Cross-Site Scripting",
            "Potential SQL Injection",
            "Prototype Pollution",
            "Regex Injection",
            "Remote Code Execution",
            "SQL Injection",
            "Security Best Practices",
            "Security Misconfiguration",
            "Sensitive Data Leak",
            "Server-Side Request Forgery",
            "Template Injection",
            "Unsafe Lambda Call",
            "Unsafe Reflection",
            "XML External Entities",
            "XPath Injection",
        ),
        "a04-insecure-design": (
            "Denial of Service",
            "Security Best Practices",
        ),
        "a05-security-misconfiguration": (
            "Cross-Site Request Forgery",
            "Cross-Site Scripting",
            "Crypto",
            "Denial of Service",
            "Error Handling",
            "Hardcoded Credentials",
            "Intent Redirection",
            "Security Best Practices",
            "Security Misconfiguration",
            "Sensitive Data Exposure",
            "Sensitive Data Leak",
            "Sensitive Data Usage",
            "Weak Cipher",
            "Weak Hash",
            "Weak Secret Storage",
            "XML External Entities",
        ),
        "a06-vulnerable-and-outdated-components": (),
        "a07-identification-and-authentication-failures": (
            "Hardcoded Credentials",
            "Insecure Authentication",
            "Security Misconfiguration",
            "Session Injection",
            "Timing Attack",
        ),
        "a08-software-and-data-integrity-failures": ("Deserialization",),
        "a09-security-logging-and-monitoring-failures": (),
        "a10-server-side-request-forgery-(ssrf)": (),
    },
}

# The tree names a few categories the way the reference does.
_TREE_NAMES = {"XSS": "Cross-Site Scripting"}


def _empty_tree() -> dict[str, dict[str, dict[str, int]]]:
    result: dict[str, dict[str, dict[str, int]]] = {
        year: {slug: dict.fromkeys(names, 0) for slug, names in entries.items()}
        for year, entries in TREE.items()
    }
    result["2025"] = {UNCATEGORIZED: {}}
    result["2025"].update({slug: {} for slug in taxonomy.OWASP_2025})
    return result


def owasp_2025(category: str, cwe: str, owasp_2021: str) -> str:
    """The OWASP 2025 slug of a finding, from its category or else its CWE."""
    known = taxonomy.get(category) if category else None
    if known is not None:
        return known.owasp_2025
    if cwe.isdigit() and taxonomy.for_cwe(int(cwe)) is not None:
        return taxonomy.owasp_2025_for_cwe(int(cwe))
    same = (c for c in taxonomy.CATEGORIES.values() if c.owasp_2021 == owasp_2021)
    return next((c.owasp_2025 for c in same), "") if owasp_2021 else ""


def _add(tree: dict[str, dict[str, int]], slug: str, category: str, n: int) -> None:
    entry = tree.setdefault(slug or UNCATEGORIZED, {})
    name = category or "Uncategorized"
    if name not in entry:
        name = _TREE_NAMES.get(name, name)
    entry[name] = entry.get(name, 0) + n


def owasp_counts(
    session: Session, scan_id: int
) -> dict[str, dict[str, dict[str, int]]]:
    """Per OWASP year and entry, the number of the scan's findings per category."""
    result = _empty_tree()
    rows = session.execute(
        select(
            Finding.category,
            Finding.cwe,
            Finding.owasp_category,
            Finding.owasp_2021_category,
            func.count(),
        )
        .join(Occurrence, Occurrence.finding_id == Finding.id)
        .where(Occurrence.scan_id == scan_id)
        .group_by(
            Finding.category,
            Finding.cwe,
            Finding.owasp_category,
            Finding.owasp_2021_category,
        )
    )
    for category, cwe, o2017, o2021, n in rows:
        _add(result["2017"], o2017, category, n)
        _add(result["2021"], o2021, category, n)
        _add(result["2025"], owasp_2025(category, cwe, o2021), category, n)
    return result
