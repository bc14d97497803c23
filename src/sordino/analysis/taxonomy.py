"""The vulnerability taxonomy: category, CWE, OWASP 2017/2021/2025, severity.

Category names are the ones the API reference uses in findings and in the
OWASP breakdown (``SQL Injection``, ``XSS``, ``Directory Traversal``...); a few
names the reference lacks (``Insecure Cookie``, ``Missing Authorization``,
``Vulnerable Dependency``) were added where no reference name fits.

OWASP slugs follow the reference exactly: 2017 slugs are ``a1-injection``,
``a3-sensitive-data-exposure`` (one digit, no year); 2021 slugs are
``a03-injection``, ``a10-server-side-request-forgery-(ssrf)`` (two digits, no
year); 2025 slugs use the 2021 style (``a05-injection``). The 2017 A9 slug
keeps the spaces the reference shows, because clients compare it verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CWE_TAG = re.compile(r"(?:^|[^a-z])cwe[-_: ]*0*(\d+)", re.IGNORECASE)

OWASP_2017: dict[str, str] = {
    "a1-injection": "A1:2017 Injection",
    "a2-broken-authentication": "A2:2017 Broken Authentication",
    "a3-sensitive-data-exposure": "A3:2017 Sensitive Data Exposure",
    "a4-xml-external-entities": "A4:2017 XML External Entities (XXE)",
    "a5-broken-access-control": "A5:2017 Broken Access Control",
    "a6-security-misconfiguration": "A6:2017 Security Misconfiguration",
    "a7-cross-site-scripting": "A7:2017 Cross-Site Scripting (XSS)",
    "a8-insecure-deserialization": "A8:2017 Insecure Deserialization",
    "a9-using components with known vulnerabilities": (
        "A9:2017 Using Components with Known Vulnerabilities"
    ),
    "a10-insufficient-logging-and-monitoring": (
        "A10:2017 Insufficient Logging & Monitoring"
    ),
}

OWASP_2021: dict[str, str] = {
    "a01-broken-access-control": "A01:2021 Broken Access Control",
    "a02-cryptographic-failures": "A02:2021 Cryptographic Failures",
    "a03-injection": "A03:2021 Injection",
    "a04-insecure-design": "A04:2021 Insecure Design",
    "a05-security-misconfiguration": "A05:2021 Security Misconfiguration",
    "a06-vulnerable-and-outdated-components": (
        "A06:2021 Vulnerable and Outdated Components"
    ),
    "a07-identification-and-authentication-failures": (
        "A07:2021 Identification and Authentication Failures"
    ),
    "a08-software-and-data-integrity-failures": (
        "A08:2021 Software and Data Integrity Failures"
    ),
    "a09-security-logging-and-monitoring-failures": (
        "A09:2021 Security Logging and Monitoring Failures"
    ),
    "a10-server-side-request-forgery-(ssrf)": (
        "A10:2021 Server-Side Request Forgery (SSRF)"
    ),
}

OWASP_2025: dict[str, str] = {
    "a01-broken-access-control": "A01:2025 Broken Access Control",
    "a02-security-misconfiguration": "A02:2025 Security Misconfiguration",
    "a03-software-supply-chain-failures": "A03:2025 Software Supply Chain Failures",
    "a04-cryptographic-failures": "A04:2025 Cryptographic Failures",
    "a05-injection": "A05:2025 Injection",
    "a06-insecure-design": "A06:2025 Insecure Design",
    "a07-authentication-failures": "A07:2025 Authentication Failures",
    "a08-software-or-data-integrity-failures": (
        "A08:2025 Software or Data Integrity Failures"
    ),
    "a09-logging-and-alerting-failures": "A09:2025 Logging & Alerting Failures",
    "a10-mishandling-of-exceptional-conditions": (
        "A10:2025 Mishandling of Exceptional Conditions"
    ),
}

# Where each 2021 entry moved in 2025 (SSRF was folded into access control).
_OWASP_2021_TO_2025: dict[str, str] = {
    "a01-broken-access-control": "a01-broken-access-control",
    "a02-cryptographic-failures": "a04-cryptographic-failures",
    "a03-injection": "a05-injection",
    "a04-insecure-design": "a06-insecure-design",
    "a05-security-misconfiguration": "a02-security-misconfiguration",
    "a06-vulnerable-and-outdated-components": "a03-software-supply-chain-failures",
    "a07-identification-and-authentication-failures": "a07-authentication-failures",
    "a08-software-and-data-integrity-failures": (
        "a08-software-or-data-integrity-failures"
    ),
    "a09-security-logging-and-monitoring-failures": (
        "a09-logging-and-alerting-failures"
    ),
    "a10-server-side-request-forgery-(ssrf)": "a01-broken-access-control",
}


@dataclass(frozen=True)
class Category:
    """One vulnerability category with its CWE, OWASP slugs and default severity."""

    name: str
    cwe: int
    owasp_2017: str
    owasp_2021: str
    severity: str
    cvss: float

    @property
    def owasp_2025(self) -> str:
        """The OWASP 2025 slug this category falls under."""
        return _OWASP_2021_TO_2025[self.owasp_2021]


_INJ17, _INJ21 = "a1-injection", "a03-injection"
_AUTH17, _AUTH21 = (
    "a2-broken-authentication",
    ("a07-identification-and-authentication-failures"),
)
_SDE17, _CRY21 = "a3-sensitive-data-exposure", "a02-cryptographic-failures"
_BAC17, _BAC21 = "a5-broken-access-control", "a01-broken-access-control"
_MIS17, _MIS21 = "a6-security-misconfiguration", "a05-security-misconfiguration"
_DES21 = "a04-insecure-design"

_TABLE: tuple[Category, ...] = (
    Category("SQL Injection", 89, _INJ17, _INJ21, "critical", 9.8),
    Category("NoSQL Injection", 943, _INJ17, _INJ21, "high", 8.8),
    Category("Command Injection", 78, _INJ17, _INJ21, "critical", 9.8),
    Category("Remote Code Execution", 94, _INJ17, _INJ21, "critical", 9.8),
    Category(
        "Template Injection", 1336, "a7-cross-site-scripting", _INJ21, "high", 8.8
    ),
    Category("XSS", 79, "a7-cross-site-scripting", _INJ21, "high", 7.1),
    Category("Directory Traversal", 22, _BAC17, _BAC21, "high", 7.5),
    Category(
        "Server-Side Request Forgery",
        918,
        _INJ17,
        "a10-server-side-request-forgery-(ssrf)",
        "high",
        8.6,
    ),
    Category("Open Redirect", 601, _INJ17, _INJ21, "medium", 6.1),
    Category(
        "Deserialization",
        502,
        "a8-insecure-deserialization",
        "a08-software-and-data-integrity-failures",
        "critical",
        9.8,
    ),
    Category(
        "XML External Entities", 611, "a4-xml-external-entities", _MIS21, "high", 8.2
    ),
    Category("LDAP Injection", 90, _INJ17, _INJ21, "high", 8.1),
    Category("XPath Injection", 643, _INJ17, _INJ21, "high", 7.5),
    Category("Header Injection", 113, _INJ17, _INJ21, "medium", 5.4),
    Category("CRLF Injection", 93, _BAC17, _BAC21, "medium", 5.4),
    Category("Mail Injection", 93, _INJ17, _INJ21, "medium", 5.3),
    Category("Log Forging", 117, _INJ17, _INJ21, "low", 3.7),
    Category("Regex Injection", 1333, _INJ17, _INJ21, "medium", 5.3),
    Category("Prototype Pollution", 1321, _INJ17, _INJ21, "high", 8.1),
    Category("Unsafe Reflection", 470, _INJ17, _INJ21, "high", 8.1),
    Category("HTTP to Model", 915, _BAC17, _BAC21, "medium", 6.5),
    Category("Improper Input Validation", 20, _MIS17, _INJ21, "medium", 5.3),
    Category("Weak Hash", 328, _SDE17, _CRY21, "medium", 5.3),
    Category("Weak Cipher", 327, _SDE17, _CRY21, "medium", 5.9),
    Category("Weak Random", 330, _SDE17, _CRY21, "medium", 5.3),
    Category("Crypto", 310, _SDE17, _CRY21, "medium", 5.3),
    Category("Weak Secret Storage", 916, _SDE17, _CRY21, "medium", 5.9),
    Category("Invalid Certificate Validation", 295, _MIS17, _AUTH21, "high", 7.4),
    Category("Hardcoded Credentials", 798, _SDE17, _AUTH21, "high", 7.5),
    Category("Security Misconfiguration", 16, _MIS17, _MIS21, "medium", 5.3),
    Category("Insecure Cookie", 614, _MIS17, _MIS21, "low", 3.1),
    Category("Session Injection", 384, _AUTH17, _AUTH21, "medium", 6.5),
    Category("Insecure Authentication", 287, _AUTH17, _AUTH21, "high", 8.1),
    Category("Authentication Bypass", 306, _BAC17, _AUTH21, "critical", 9.1),
    Category("Missing Authorization", 862, _BAC17, _BAC21, "high", 8.1),
    Category("Insecure Direct Object Reference", 639, _BAC17, _BAC21, "high", 7.1),
    Category("Cross-Site Request Forgery", 352, _MIS17, _BAC21, "medium", 6.5),
    Category("Timing Attack", 208, _AUTH17, _AUTH21, "low", 3.7),
    Category("Sensitive Data Leak", 200, _SDE17, _BAC21, "low", 3.7),
    Category("Sensitive Data Exposure", 311, _SDE17, _CRY21, "medium", 5.9),
    Category("Sensitive Data Usage", 359, _SDE17, _BAC21, "low", 3.7),
    Category("Insecure Data Storage", 922, _BAC17, _BAC21, "medium", 5.5),
    Category("Error Handling", 209, _SDE17, _MIS21, "low", 3.7),
    Category("Denial of Service", 400, _MIS17, _DES21, "medium", 5.3),
    Category("Race Condition", 362, _BAC17, _BAC21, "medium", 5.9),
    Category("Loose File Permissions", 732, _BAC17, _BAC21, "medium", 5.5),
    Category("Directory Listing", 548, _MIS17, _BAC21, "low", 3.7),
    Category("Fingerprinting", 497, _MIS17, _MIS21, "low", 3.7),
    Category(
        "Deprecated Function Use",
        477,
        "a9-using components with known vulnerabilities",
        "a06-vulnerable-and-outdated-components",
        "low",
        3.1,
    ),
    Category(
        "Vulnerable Dependency",
        1395,
        "a9-using components with known vulnerabilities",
        "a06-vulnerable-and-outdated-components",
        "high",
        7.5,
    ),
    Category("Security Best Practices", 710, _MIS17, _DES21, "low", 3.1),
    Category("JSON Injection", 74, _INJ17, _INJ21, "medium", 5.3),
    Category("Unsafe Lambda Call", 913, _INJ17, _INJ21, "high", 7.5),
    Category("Insecure Content Provider", 926, _BAC17, _BAC21, "medium", 5.5),
    Category("Insecure File Provider Paths", 552, _BAC17, _BAC21, "medium", 5.5),
    Category("Intent Redirection", 940, _MIS17, _MIS21, "medium", 5.5),
    Category("Phishing", 451, _MIS17, _DES21, "medium", 4.3),
)

CATEGORIES: dict[str, Category] = {category.name: category for category in _TABLE}

# Other spellings of the same categories (reference and common tool wording).
_ALIASES: dict[str, str] = {
    "cross-site scripting": "XSS",
    "potential cross-site scripting": "XSS",
    "ssrf": "Server-Side Request Forgery",
    "potential server-side request forgery": "Server-Side Request Forgery",
    "code injection": "Remote Code Execution",
    "potential remote code execution": "Remote Code Execution",
    "potential sql injection": "SQL Injection",
    "http to database": "SQL Injection",
    "potential nosql injection": "NoSQL Injection",
    "potential xml external entities": "XML External Entities",
    "xxe": "XML External Entities",
    "potential regex injection": "Regex Injection",
    "path traversal": "Directory Traversal",
    "insecure deserialization": "Deserialization",
    "insecure tls": "Invalid Certificate Validation",
    "secrets": "Hardcoded Credentials",
    "hard-coded credentials": "Hardcoded Credentials",
    "debug mode": "Security Misconfiguration",
    "csrf": "Cross-Site Request Forgery",
}

# Best category for each CWE; a category's own CWE maps to itself.
_CWE_TO_CATEGORY: dict[int, str] = {
    **{category.cwe: category.name for category in _TABLE},
    564: "SQL Injection",
    88: "Command Injection",
    93: "CRLF Injection",
    77: "Command Injection",
    95: "Remote Code Execution",
    96: "Remote Code Execution",
    98: "Remote Code Execution",
    917: "Remote Code Execution",
    829: "Remote Code Execution",
    80: "XSS",
    83: "XSS",
    87: "XSS",
    116: "XSS",
    23: "Directory Traversal",
    35: "Directory Traversal",
    36: "Directory Traversal",
    73: "Directory Traversal",
    99: "Directory Traversal",
    776: "XML External Entities",
    827: "XML External Entities",
    652: "XPath Injection",
    644: "Header Injection",
    185: "Regex Injection",
    625: "Regex Injection",
    74: "Improper Input Validation",
    91: "Improper Input Validation",
    134: "Improper Input Validation",
    434: "Improper Input Validation",
    1236: "Improper Input Validation",
    1287: "Improper Input Validation",
    326: "Weak Cipher",
    323: "Weak Cipher",
    325: "Weak Cipher",
    329: "Weak Cipher",
    757: "Weak Cipher",
    780: "Weak Cipher",
    331: "Weak Random",
    335: "Weak Random",
    337: "Weak Random",
    338: "Weak Random",
    256: "Weak Secret Storage",
    257: "Weak Secret Storage",
    522: "Weak Secret Storage",
    759: "Weak Secret Storage",
    760: "Weak Secret Storage",
    297: "Invalid Certificate Validation",
    599: "Invalid Certificate Validation",
    259: "Hardcoded Credentials",
    321: "Hardcoded Credentials",
    489: "Security Misconfiguration",
    215: "Security Misconfiguration",
    942: "Security Misconfiguration",
    1021: "Security Misconfiguration",
    1188: "Security Misconfiguration",
    1327: "Security Misconfiguration",
    284: "Missing Authorization",
    285: "Missing Authorization",
    863: "Missing Authorization",
    288: "Authentication Bypass",
    290: "Authentication Bypass",
    294: "Authentication Bypass",
    307: "Insecure Authentication",
    345: "Insecure Authentication",
    347: "Insecure Authentication",
    521: "Insecure Authentication",
    613: "Insecure Authentication",
    315: "Insecure Cookie",
    1004: "Insecure Cookie",
    1275: "Insecure Cookie",
    201: "Sensitive Data Leak",
    359: "Sensitive Data Leak",
    532: "Sensitive Data Leak",
    319: "Sensitive Data Exposure",
    312: "Insecure Data Storage",
    313: "Insecure Data Storage",
    248: "Error Handling",
    390: "Error Handling",
    391: "Error Handling",
    396: "Error Handling",
    397: "Error Handling",
    703: "Error Handling",
    754: "Error Handling",
    755: "Error Handling",
    367: "Race Condition",
    377: "Race Condition",
    276: "Loose File Permissions",
    281: "Loose File Permissions",
    407: "Denial of Service",
    674: "Denial of Service",
    770: "Denial of Service",
    835: "Denial of Service",
    676: "Deprecated Function Use",
    937: "Vulnerable Dependency",
    1035: "Vulnerable Dependency",
    1104: "Vulnerable Dependency",
    494: "Security Best Practices",
}


def get(name: str) -> Category | None:
    """The category called ``name`` (or one of its other spellings), if known."""
    category = CATEGORIES.get(name)
    if category is not None:
        return category
    alias = _ALIASES.get(name.strip().lower())
    if alias is not None:
        return CATEGORIES[alias]
    lowered = name.strip().lower()
    for candidate in _TABLE:
        if candidate.name.lower() == lowered:
            return candidate
    return None


def for_cwe(cwe: int) -> Category | None:
    """The category that best describes findings tagged with ``cwe``."""
    name = _CWE_TO_CATEGORY.get(cwe)
    return CATEGORIES[name] if name is not None else None


def owasp_2017_for_cwe(cwe: int) -> str:
    """The OWASP 2017 slug for ``cwe``, or ``""`` when the CWE is unmapped."""
    category = for_cwe(cwe)
    return category.owasp_2017 if category is not None else ""


def owasp_2021_for_cwe(cwe: int) -> str:
    """The OWASP 2021 slug for ``cwe``, or ``""`` when the CWE is unmapped."""
    category = for_cwe(cwe)
    return category.owasp_2021 if category is not None else ""


def owasp_2025_for_cwe(cwe: int) -> str:
    """The OWASP 2025 slug for ``cwe``, or ``""`` when the CWE is unmapped."""
    category = for_cwe(cwe)
    return category.owasp_2025 if category is not None else ""


def parse_cwe(text: str) -> int | None:
    """The number in ``CWE-89``, ``cwe-79: XSS``, ``external/cwe/cwe-089`` or ``89``."""
    if text.strip().isdigit():
        return int(text.strip())
    match = _CWE_TAG.search(text)
    return int(match.group(1)) if match else None
