"""Matching packages against real advisories and small hand-written ones."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from sordino.db import Database
from sordino.ingest.bundle import PackageRecord
from sordino.sca.lockfiles.base import record
from sordino.vulndb.service import (
    MatchStats,
    VulnMatch,
    import_path,
    match,
    to_findings,
)
from tests.conftest import SHARED_DATA

LOCKFILES = SHARED_DATA / "lockfiles"


def _pypi(name: str, version: str) -> PackageRecord:
    return record("pypi", "", name, version, direct=True, location="requirements.txt#1")


def _ids(matches: list[VulnMatch]) -> set[str]:
    return {m.advisory_id for m in matches}


def test_version_inside_and_outside_a_fixed_range(session: Session) -> None:
    # PYSEC-2020-157: werkzeug introduced 0, fixed 0.11.6.
    assert "PYSEC-2020-157" in _ids(match(session, [_pypi("Werkzeug", "0.11")]))
    assert "PYSEC-2020-157" not in _ids(match(session, [_pypi("werkzeug", "0.11.6")]))


def test_last_affected_is_inclusive(session: Session) -> None:
    # PYSEC-2022-42969: py introduced 0, last_affected 1.11.0.
    assert "PYSEC-2022-42969" in _ids(match(session, [_pypi("py", "1.11.0")]))
    assert "PYSEC-2022-42969" not in _ids(match(session, [_pypi("py", "1.11.1")]))


def test_withdrawn_advisory_is_excluded(session: Session) -> None:
    # PYSEC-2023-73 (redis, every version) was withdrawn on 2023-06-06.
    assert "PYSEC-2023-73" not in _ids(match(session, [_pypi("redis", "4.5.4")]))


def test_git_ranges_are_skipped_and_counted(session: Session) -> None:
    # PYSEC-2019-140 has a GIT range beside its ECOSYSTEM range.
    stats = MatchStats()
    found = match(session, [_pypi("werkzeug", "0.14")], stats)
    assert "PYSEC-2019-140" in _ids(found)
    assert stats.git_ranges_skipped >= 1


def test_unversioned_and_unknown_packages_match_nothing(session: Session) -> None:
    packages = [_pypi("werkzeug", ""), _pypi("no-such-package-xyz", "1.0")]
    assert match(session, packages) == []


def _lockfile_cves(session: Session, name: str, file_name: str) -> dict[str, VulnMatch]:
    from sordino.sca.lockfiles import parse_file

    packages = parse_file(LOCKFILES / name / file_name, LOCKFILES)
    return {m.cve or m.advisory_id: m for m in match(session, packages)}


def test_trivy_expectations_for_requirements(session: Session) -> None:
    found = _lockfile_cves(session, "pip-trivy", "requirements.txt")
    assert found["CVE-2019-14806"].fix == "Upgrade to 0.15.3"
    assert found["CVE-2020-28724"].fix == "Upgrade to 0.11.6"
    assert found["CVE-2020-28724"].package.purl == "pkg:pypi/werkzeug@0.11"


def test_trivy_expectations_for_poetry(session: Session) -> None:
    found = _lockfile_cves(session, "poetry", "poetry.lock")
    assert found["CVE-2019-14806"].fix == "Upgrade to 0.15.3"
    assert found["CVE-2019-14806"].package.version == "0.14"


def test_trivy_expectations_for_go_mod(session: Session) -> None:
    found = _lockfile_cves(session, "gomod", "go.mod")
    assert found["CVE-2021-38561"].fix == "Upgrade to 0.3.7"
    # Go's own record of CVE-2022-23628 fixes it in 0.37.2 (Trivy's test DB: 0.37.0).
    assert found["CVE-2022-23628"].advisory_id == "GO-2022-0316"
    assert found["CVE-2022-23628"].fix == "Upgrade to 0.37.2"
    # Trivy's GMS-2022-20 is the same flaw Go records as GO-2022-0379.
    distribution = found["GO-2022-0379"]
    assert distribution.fix == "Upgrade to 2.8.0+incompatible"
    assert "github.com/docker/distribution.UnmarshalManifest" in distribution.symbols


def _write_json(folder: Path, advisory: dict[str, object]) -> None:
    (folder / f"{advisory['id']}.json").write_text(json.dumps(advisory))


def _pypi_affected(fixed: str) -> list[dict[str, object]]:
    return [
        {
            "package": {"ecosystem": "PyPI", "name": "Werkzeug"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
            ],
        }
    ]


def test_aliases_merge_and_cvss_scores(empty_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "osv"
    folder.mkdir()
    _write_json(
        folder,
        {
            "id": "PYSEC-2020-157",
            "modified": "2020-12-01T16:05:00Z",
            "aliases": ["CVE-2020-28724", "GHSA-3p3h-qghp-hvh2"],
            "affected": _pypi_affected("0.11.6"),
        },
    )
    _write_json(
        folder,
        {
            "id": "GHSA-3p3h-qghp-hvh2",
            "modified": "2021-01-07T00:00:00Z",
            "aliases": ["CVE-2020-28724"],
            "summary": "Open redirect in Werkzeug",
            "severity": [
                {
                    "type": "CVSS_V3",
                    "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
                }
            ],
            "database_specific": {"cwe_ids": ["CWE-601"], "severity": "MODERATE"},
            "affected": _pypi_affected("0.11.6"),
        },
    )
    with empty_db.session() as session:
        import_path(session, folder)
        found = match(session, [_pypi("werkzeug", "0.11")])
    assert len(found) == 1
    merged = found[0]
    assert merged.advisory_id == "GHSA-3p3h-qghp-hvh2"  # the one with a vector
    assert set(merged.aliases) == {"CVE-2020-28724", "PYSEC-2020-157"}
    assert merged.cve == "CVE-2020-28724"
    assert merged.cvss_score == 6.1
    assert merged.severity == "medium"
    assert merged.cwe_ids == [601]
    assert merged.fix == "Upgrade to 0.11.6"


def test_cvss4_limit_and_lowest_fix_above_installed(
    empty_db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "osv"
    folder.mkdir()
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    _write_json(
        folder,
        {
            "id": "TEST-4",
            "modified": "2024-01-01T00:00:00Z",
            "severity": [{"type": "CVSS_V4", "score": vector}],
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": "lodash"},
                    "ranges": [
                        {
                            "type": "SEMVER",
                            "events": [
                                {"introduced": "0"},
                                {"fixed": "3.10.2"},
                                {"introduced": "4.0.0"},
                                {"fixed": "4.17.21"},
                            ],
                        },
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "5.0.0"}, {"limit": "5.2.0"}],
                        },
                    ],
                }
            ],
        },
    )
    _write_json(
        folder,
        {
            "id": "TEST-GIT",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": "lodash"},
                    "ranges": [
                        {
                            "type": "GIT",
                            "repo": "https://example.invalid/x",
                            "events": [{"introduced": "0"}],
                        }
                    ],
                }
            ],
        },
    )

    def npm(version: str) -> PackageRecord:
        return record(
            "npm", "", "lodash", version, direct=True, location="package-lock.json#3"
        )

    with empty_db.session() as session:
        import_path(session, folder)
        stats = MatchStats()
        found = {
            m.package.version: m
            for m in match(
                session,
                [npm("4.17.20"), npm("3.10.2"), npm("5.1.0"), npm("5.2.0")],
                stats,
            )
        }
    assert set(found) == {"4.17.20", "5.1.0"}
    assert found["4.17.20"].fix == "Upgrade to 4.17.21"
    assert found["4.17.20"].fixed_versions == ["3.10.2", "4.17.21"]
    assert found["4.17.20"].cvss_score == 9.3
    assert found["4.17.20"].severity == "critical"
    assert found["5.1.0"].fix == ""
    assert stats.git_ranges_skipped == 4  # the GIT-only advisory, once per package


def test_to_findings_shape(session: Session) -> None:
    found = match(session, [_pypi("werkzeug", "0.11")])
    findings = {f.rule_id: f for f in to_findings(found)}
    finding = findings["PYSEC-2020-157"]
    assert finding.type == "oss_vuln"
    assert finding.tags["package_url"] == "pkg:pypi/werkzeug@0.11"
    assert finding.tags["cve"] == "CVE-2020-28724"
    assert finding.tags["oss_internal_id"] == "PYSEC-2020-157"
    assert finding.details["fix"] == "Upgrade to 0.11.6"
    assert finding.details["dependency"] == {
        "artifact_id": "werkzeug",
        "version": "0.11",
    }
    assert finding.fingerprint is not None
    assert finding.fingerprint.startswith("PYSEC-2020-157/")
    upgraded = to_findings(match(session, [_pypi("werkzeug", "0.11.1")]))
    same = {f.rule_id: f.fingerprint for f in upgraded}
    assert same["PYSEC-2020-157"] == finding.fingerprint  # version is not identity
