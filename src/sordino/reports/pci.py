"""Which PCI DSS v4.0 requirement a finding bears on, for the PCI DSS report."""

from __future__ import annotations

from sordino.findings.models import Finding

INJECTION = "6.2.4-injection"
REQUIREMENTS: dict[str, str] = {
    INJECTION: "6.2.4 Software is protected from injection attacks",
    "6.2.4-data": "6.2.4 Software is protected from attacks on data structures",
    "6.2.4-crypto": "6.2.4 Software is protected from attacks on cryptography",
    "6.2.4-logic": "6.2.4 Software is protected from attacks on business logic",
    "6.2.4-access": "6.2.4 Software is protected from attacks on access control",
    "6.3.3": "6.3.3 Components are protected from known vulnerabilities",
    "8.6.2": "8.6.2 No passwords or keys are hard-coded",
    "10.2": "10.2 Audit logs record events",
}

# OWASP 2021 entries and the requirement their findings fall under.
_BY_OWASP_2021 = {
    "a03-injection": INJECTION,
    "a08-software-and-data-integrity-failures": "6.2.4-data",
    "a02-cryptographic-failures": "6.2.4-crypto",
    "a04-insecure-design": "6.2.4-logic",
    "a05-security-misconfiguration": "6.2.4-logic",
    "a01-broken-access-control": "6.2.4-access",
    "a07-identification-and-authentication-failures": "6.2.4-access",
    "a10-server-side-request-forgery-(ssrf)": "6.2.4-access",
    "a06-vulnerable-and-outdated-components": "6.3.3",
    "a09-security-logging-and-monitoring-failures": "10.2",
}


def requirement(finding: Finding) -> tuple[str, str]:
    """Key and title of the requirement a finding concerns."""
    if finding.type == "secret" or finding.category == "Hardcoded Credentials":
        key = "8.6.2"
    elif finding.type in ("oss_vuln", "package", "container"):
        key = "6.3.3"
    else:
        key = _BY_OWASP_2021.get(finding.owasp_2021_category, "")
    if not key:
        return ("", "Other findings")
    return (key, REQUIREMENTS[key])
