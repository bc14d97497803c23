"""Lockfile parsers against the real lockfiles in ../shared/data/lockfiles."""

from __future__ import annotations

import json

import pytest

from sordino.sca.lockfiles import discover, parse_all, parse_all_with_errors, parse_file
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA / "lockfiles"


def _trivy_packages(name: str) -> set[tuple[str, str]]:
    """(name, version) pairs Trivy listed or reported vulnerable for a fixture."""
    data = json.loads((DATA / name / "expected.trivy.json").read_text())
    pairs = set()
    for result in data.get("Results", []):
        for package in result.get("Packages") or []:
            pairs.add((package["Name"].lower(), package["Version"]))
        for vuln in result.get("Vulnerabilities") or []:
            pairs.add((vuln["PkgName"].lower(), vuln["InstalledVersion"]))
    return pairs


def _found(name: str, file_name: str) -> set[tuple[str, str]]:
    records = parse_file(DATA / name / file_name, DATA)
    pairs = set()
    for record in records:
        full = record.name
        if record.type == "maven":
            full = f"{record.namespace}:{record.name}"
        elif record.namespace:
            full = f"{record.namespace}/{record.name}"
        pairs.add((full.lower(), record.version))
    return pairs


@pytest.mark.parametrize(
    ("fixture", "file_name"),
    [
        ("pip-trivy", "requirements.txt"),
        ("poetry", "poetry.lock"),
        ("maven", "pom.xml"),
        ("gomod", "go.mod"),
    ],
)
def test_trivy_expectations_are_a_lower_bound(fixture: str, file_name: str) -> None:
    expected = {(n.replace("_", "-"), v) for n, v in _trivy_packages(fixture) if v}
    assert expected <= _found(fixture, file_name)


def test_discover_finds_every_supported_file() -> None:
    names = {p.relative_to(DATA).as_posix() for p in discover(DATA)}
    assert names == {
        "encoding/utf16be-requirements.txt",
        "gomod/go.mod",
        "maven/pom.xml",
        "npm-v2/package-lock.json",
        "pip-trivy/requirements.txt",
        "poetry/poetry.lock",
    }


def test_requirements_pins_and_unpinned_range() -> None:
    records = {r.name: r for r in parse_file(DATA / "pip-trivy/requirements.txt", DATA)}
    assert records["werkzeug"].purl == "pkg:pypi/werkzeug@0.11"
    assert records["werkzeug"].location == "pip-trivy/requirements.txt#6"
    # "MarkupSafe>2.0.0" is a range, not an installed version.
    assert records["markupsafe"].version == ""
    assert records["markupsafe"].purl == "pkg:pypi/markupsafe"
    assert len(records) == 8


def test_utf16_big_endian_requirements_with_bom() -> None:
    records = parse_file(DATA / "encoding/utf16be-requirements.txt", DATA)
    assert [r.purl for r in records] == ["pkg:pypi/django@2.2.24"]


def test_poetry_direct_from_pyproject() -> None:
    records = {r.name: r for r in parse_file(DATA / "poetry/poetry.lock", DATA)}
    assert records["werkzeug"].version == "0.14"
    assert records["werkzeug"].direct
    assert records["click"].direct
    assert not records["colorama"].direct  # only click depends on it


def test_pom_interpolation_and_scopes() -> None:
    result = parse_all_with_errors(DATA)
    pom = {e.record.name: e for e in result.entries if e.record.type == "maven"}
    assert pom["junit-jupiter-api"].record.version == "5.7.1"  # ${junit.version}
    assert pom["junit-jupiter-api"].scope == "test"
    assert pom["javax.servlet-api"].scope == "provided"
    jackson = pom["jackson-databind"].record
    assert jackson.purl == "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.1"
    assert jackson.location == "maven/pom.xml#43"


def test_gomod_direct_and_indirect() -> None:
    records = {
        f"{r.namespace}/{r.name}": r for r in parse_file(DATA / "gomod/go.mod", DATA)
    }
    assert len(records) == 18  # go 1.17: go.sum adds nothing to the build list
    opa = records["github.com/open-policy-agent/opa"]
    assert opa.direct
    assert opa.purl == "pkg:golang/github.com/open-policy-agent/opa@v0.35.0"
    text = records["golang.org/x/text"]
    assert not text.direct
    assert text.version == "v0.3.6"
    distribution = records["github.com/docker/distribution"]
    assert distribution.version == "v2.7.1+incompatible"


def test_package_lock_v2() -> None:
    records = parse_file(DATA / "npm-v2/package-lock.json", DATA)
    assert len(records) == 106  # 107 entries minus the root ""
    by_name = {(r.name, r.version): r for r in records}
    assert ("request", "2.88.2") in by_name
    assert ("tough-cookie", "2.5.0") in by_name
    assert ("semver", "4.3.6") in by_name
    direct = [r.name for r in records if r.direct]
    assert direct == ["npm-registry-client"]


def test_parse_all_returns_records_from_every_file() -> None:
    records = parse_all(DATA)
    assert {r.location.split("/")[0] for r in records} == {
        "encoding",
        "gomod",
        "maven",
        "npm-v2",
        "pip-trivy",
        "poetry",
    }
