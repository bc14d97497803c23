"""Analysis platforms: which member app of a compound a finding belongs to.

A compound has one member app per platform, named ``<compound>_element_<PLATFORM>``.
Code findings go to the platform of their file's language; packages and their
advisories go to the platform of their ecosystem (from the purl) or manifest;
anything else (a secret in a YAML file, say) goes to the generic ``SECRETS``
element.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sordino.analysis.engines.semgrep import LANGUAGES as SEMGREP_LANGUAGES
from sordino.analysis.inventory import IAC_LANGUAGES, language_of
from sordino.ingest.bundle import FindingRecord, PackageRecord

GENERIC = "SECRETS"

# Language (as the inventory names it) -> platform.
LANGUAGE_PLATFORMS = {
    "python": "PYTHONSRC",
    "javascript": "JSSRC",
    "typescript": "JSSRC",
    "java": "JAVASRC",
    "scala": "JAVASRC",
    "kotlin": "KOTLIN",
    "go": "GO",
    "terraform": "TERRAFORM_HCL",
    "terraform_hcl": "TERRAFORM_HCL",
    "csharp": "CSHARP",
    "c": "C",
    "cpp": "C",
    "ruby": "RUBY",
    "php": "PHP",
    "swift": "SWIFTSRC",
}

# Platform -> the API's scan language (``scan_language``); SECRETS has none.
PLATFORM_LANGUAGES = {
    "PYTHONSRC": "python",
    "JSSRC": "javascript",
    "JAVASRC": "java",
    "KOTLIN": "kotlin",
    "GO": "go",
    "TERRAFORM_HCL": "terraform_hcl",
    "CSHARP": "csharp",
    "C": "c",
    "RUBY": "ruby",
    "PHP": "php",
    "SWIFTSRC": "swift",
}

# The reference's ScanPlatform values that sordino's members can have, lower case.
SCAN_PLATFORMS = frozenset(
    {
        "java", "go", "csharp", "javascript", "c", "python", "terraform_hcl",
        "ruby", "php", "fuzzytestlang", "kotlin", "javasrc", "pythonsrc",
        "jssrc", "secrets", "swiftsrc", "plsql", "apex", "groovy",
    }
)  # fmt: skip
SCAN_LANGUAGES = frozenset(
    {
        "java", "go", "csharp", "javascript", "c", "python", "terraform_hcl",
        "ruby", "php", "fuzzytestlang", "kotlin", "swift", "plsql", "apex",
        "groovy",
    }
)  # fmt: skip

PURL_PLATFORMS = {
    "pypi": "PYTHONSRC",
    "npm": "JSSRC",
    "maven": "JAVASRC",
    "golang": "GO",
    "gem": "RUBY",
    "composer": "PHP",
    "nuget": "CSHARP",
}

MANIFEST_PLATFORMS = {
    "requirements.txt": "PYTHONSRC",
    "Pipfile.lock": "PYTHONSRC",
    "poetry.lock": "PYTHONSRC",
    "pdm.lock": "PYTHONSRC",
    "uv.lock": "PYTHONSRC",
    "package-lock.json": "JSSRC",
    "npm-shrinkwrap.json": "JSSRC",
    "yarn.lock": "JSSRC",
    "pnpm-lock.yaml": "JSSRC",
    "go.mod": "GO",
    "go.sum": "GO",
    "pom.xml": "JAVASRC",
    "build.gradle": "JAVASRC",
    "build.gradle.kts": "JAVASRC",
    "gradle.lockfile": "JAVASRC",
    "Gemfile.lock": "RUBY",
    "composer.lock": "PHP",
}


def of_language(language: str) -> str | None:
    """The platform of a language, or None when sordino has no such member."""
    return LANGUAGE_PLATFORMS.get(language.lower())


def member_id(compound: str, platform: str) -> str:
    """The app id of a compound's member for ``platform``."""
    return f"{compound}_element_{platform}"


def _of_purl(purl: str) -> str | None:
    if not purl.startswith("pkg:"):
        return None
    kind = purl[4:].split("/", 1)[0].lower()
    return PURL_PLATFORMS.get(kind)


def _of_manifest(location: str) -> str | None:
    path = location.split("#", 1)[0]
    return MANIFEST_PLATFORMS.get(os.path.basename(path))


def of_package(package: PackageRecord) -> str:
    """The platform a dependency belongs to."""
    return (
        _of_purl(package.purl)
        or _of_manifest(package.location)
        or PURL_PLATFORMS.get(package.type)
        or GENERIC
    )


def of_finding(record: FindingRecord) -> str:
    """The platform a finding belongs to."""
    if record.type in ("package", "oss_vuln", "container"):
        found = _of_purl(record.tags.get("package_url", "")) or _of_manifest(
            record.tags.get("location", "") or record.file
        )
        if found:
            return found
    language = record.language or (language_of(record.file) if record.file else "")
    return of_language(language) or _of_manifest(record.file) or GENERIC


# Engine -> the languages it analyses. The secrets scanner reads every file,
# and an engine not named here (an imported tool, say) may have covered any
# platform: a failure of either concerns every member.
ENGINE_LANGUAGES: dict[str, frozenset[str]] = {
    "semgrep": SEMGREP_LANGUAGES,
    "bandit": frozenset({"python"}),
    "checkov": IAC_LANGUAGES,
}
# Engines of dependencies: the lockfile reader and the advisory lookup.
PACKAGE_ENGINES = frozenset({"lockfiles", "osv"})
ECOSYSTEM_PLATFORMS = frozenset(PURL_PLATFORMS.values()) | frozenset(
    MANIFEST_PLATFORMS.values()
)


def concerned(engine: str, members: Mapping[str, bool]) -> list[str]:
    """The members (platform -> whether it has packages) an engine failure concerns.

    A dependency engine concerns the members with packages (else those of a
    package ecosystem), an analyser the members of its languages. One that
    would concern none concerns all, so that no failure is ever lost.
    """
    found: list[str] = []
    if engine in PACKAGE_ENGINES:
        found = [p for p, has in members.items() if has] or [
            p for p in members if p in ECOSYSTEM_PLATFORMS
        ]
    elif engine in ENGINE_LANGUAGES:
        wanted = {of_language(language) for language in ENGINE_LANGUAGES[engine]}
        found = [p for p in members if p in wanted]
    return found or list(members)
