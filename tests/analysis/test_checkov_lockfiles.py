"""Tests for the checkov and lockfiles adapters.

checkov is optional and not installed here: ``checkov_many.json`` was written
by hand following checkov's JSON report layout, so only the parser and the
"missing" path are exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sordino.analysis.engines.base import EngineError
from sordino.analysis.engines.checkov import CheckovEngine, parse_output
from sordino.analysis.engines.lockfiles import (
    LockfilesEngine,
    package_finding,
    purl_without_version,
)
from sordino.analysis.fingerprint import package_fingerprint
from sordino.analysis.runner import analyze
from sordino.ingest.bundle import PackageRecord
from tests.analysis.tree import SAMPLES, make_tree


def test_checkov_many(tmp_path: Path) -> None:
    data = json.loads((SAMPLES / "checkov_many.json").read_text())
    result = parse_output(data, Path("/tmp/src"))
    first, second = result.findings
    assert first.rule_id == "checkov.CKV_AWS_20"
    assert (first.file, first.line, first.end_line) == ("infra/main.tf", 1, 4)
    assert first.snippet == 'resource "aws_s3_bucket" "data" {'
    assert first.severity == "medium"
    assert first.category == "Security Misconfiguration"
    assert first.tags == {"resource": "aws_s3_bucket.data"}
    assert second.severity == "low"
    assert result.warnings == ["checkov: cannot parse infra/broken.tf"]


def test_checkov_empty_and_list_shapes() -> None:
    summary_only = {"passed": 0, "failed": 0, "resource_count": 0}
    assert parse_output(summary_only, Path()).findings == []
    assert parse_output([summary_only, summary_only], Path()).findings == []
    with pytest.raises(EngineError):
        parse_output(["bad"], Path())


def test_checkov_missing_is_a_failure(tmp_path: Path) -> None:
    engine = CheckovEngine()
    if engine.available():
        pytest.skip("checkov is installed here")
    bundle = analyze(
        make_tree(tmp_path, "many"),
        app="demo",
        version="1",
        branch="",
        tags={},
        engines=[engine],
    )
    [failure] = bundle.failures
    assert (failure.engine, failure.reason) == ("checkov", "missing")


def test_checkov_does_not_apply_without_terraform(tmp_path: Path) -> None:
    bundle = analyze(
        make_tree(tmp_path, "one"),
        app="demo",
        version="1",
        branch="",
        tags={},
        engines=[CheckovEngine()],
    )
    assert bundle.failures == []


def test_purl_without_version() -> None:
    assert purl_without_version("pkg:pypi/flask@2.0.0") == "pkg:pypi/flask"
    assert (
        purl_without_version("pkg:npm/%40babel/core@7.1.0?arch=x#sub")
        == "pkg:npm/%40babel/core?arch=x#sub"
    )
    assert purl_without_version("pkg:golang/x") == "pkg:golang/x"


def test_package_finding() -> None:
    package = PackageRecord(
        purl="pkg:pypi/flask@2.0.0",
        type="pypi",
        name="flask",
        version="2.0.0",
        location="requirements.txt#1",
    )
    finding = package_finding(package)
    assert finding.type == "package"
    assert finding.rule_id == "package"
    assert finding.title == "flask@2.0.0"
    assert finding.severity == "low"
    assert finding.tags == {"package_url": "pkg:pypi/flask@2.0.0"}
    assert finding.fingerprint == package_fingerprint("pkg:pypi/flask")
    assert finding.file == "requirements.txt"


@pytest.mark.parametrize(
    ("purl", "kind", "namespace", "name", "version", "title"),
    [
        # The module path was cut to its last element: ``v3@v3.2.4``.
        (
            "pkg:golang/github.com/go-ldap/ldap/v3@v3.2.4",
            "golang",
            "github.com/go-ldap/ldap",
            "v3",
            "v3.2.4",
            "github.com/go-ldap/ldap/v3@v3.2.4",
        ),
        (
            "pkg:golang/golang.org/x/text@v0.3.5",
            "golang",
            "golang.org/x",
            "text",
            "v0.3.5",
            "golang.org/x/text@v0.3.5",
        ),
        (
            "pkg:npm/%40babel/core@7.1.0",
            "npm",
            "@babel",
            "core",
            "7.1.0",
            "@babel/core@7.1.0",
        ),
        (
            "pkg:maven/org.yaml/snakeyaml@1.26",
            "maven",
            "org.yaml",
            "snakeyaml",
            "1.26",
            "org.yaml:snakeyaml@1.26",
        ),
        ("pkg:pypi/flask", "pypi", "", "flask", "", "flask"),
    ],
)
def test_package_title_is_the_full_name(
    purl: str, kind: str, namespace: str, name: str, version: str, title: str
) -> None:
    package = PackageRecord(
        purl=purl, type=kind, namespace=namespace, name=name, version=version
    )
    finding = package_finding(package)
    assert finding.title == title
    assert finding.description.startswith(f"Dependency {title} declared in")


def test_lockfiles_engine_end_to_end(tmp_path: Path) -> None:
    bundle = analyze(
        make_tree(tmp_path, "many"),
        app="demo",
        version="1",
        branch="",
        tags={},
        engines=[LockfilesEngine()],
    )
    assert bundle.failures == []
    assert sorted(p.purl for p in bundle.packages) == [
        "pkg:pypi/flask@2.0.0",
        "pkg:pypi/requests@2.19.0",
    ]
    assert sorted(f.title for f in bundle.findings) == [
        "flask@2.0.0",
        "requests@2.19.0",
    ]
    assert bundle.stats["engines"]["lockfiles"]["packages"] == 2
