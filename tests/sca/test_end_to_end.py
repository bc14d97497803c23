"""The issue's done criterion: real lockfiles, real advisories, real engine, ingest.

A temp project holds the shared Python (requirements.txt, poetry) and Go
(go.mod/go.sum) lockfiles with a small app importing their packages. With the
PyPA and Go databases loaded, analysing it must report at least the CVEs Trivy
expected (``expected.trivy.json`` beside each lockfile) with the same fixed
versions, and a Go advisory is reachable only when the app calls one of the
symbols it names.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from sordino.analysis.engines.lockfiles import LockfilesEngine
from sordino.analysis.runner import analyze
from sordino.findings.models import Finding, FindingTag, Occurrence
from sordino.ingest.bundle import ScanBundle
from sordino.ingest.service import ingest
from sordino.sca.models import Package
from tests.sca.conftest import LOCKFILES, OsvStore

PYTHON_APP = """from flask import Flask
from werkzeug.utils import secure_filename

app = Flask(__name__)
print(secure_filename("a b.txt"))
"""
GO_CALLS_PARSE = """package main

import (
\t"fmt"

\t"golang.org/x/text/language"
)

func main() {
\ttag, err := language.Parse("en-US")
\tfmt.Println(tag, err)
}
"""
GO_NO_PARSE = """package main

import "golang.org/x/text/language"

func main() {
\t_ = language.Make("en")
}
"""


# Trivy's golden files come from its small test database. Where the real
# advisory shipped in shared/data says otherwise, the real one wins:
# GO-2022-0316 (CVE-2022-23628) has "fixed": "0.37.2", Trivy's test DB 0.37.0.
REAL_FIXES = {"CVE-2022-23628": "0.37.2"}


@dataclass(frozen=True)
class Vuln:
    """An ``oss_vuln`` finding of the scan as stored."""

    rule_id: str
    tags: dict[str, str]
    fix: str
    reachable: bool | None


def _project(root: Path, go_source: str) -> Path:
    shutil.copy(LOCKFILES / "pip-trivy" / "requirements.txt", root)
    poetry = root / "poetry"
    poetry.mkdir()
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(LOCKFILES / "poetry" / name, poetry)
    go = root / "goapp"
    go.mkdir()
    for name in ("go.mod", "go.sum"):
        shutil.copy(LOCKFILES / "gomod" / name, go)
    (root / "app.py").write_text(PYTHON_APP)
    (go / "main.go").write_text(go_source)
    return root


def _analyze(root: Path) -> ScanBundle:
    return analyze(
        root,
        app="deps",
        version="v1",
        branch="main",
        tags={},
        engines=[LockfilesEngine()],
    )


def _vulns(store: OsvStore, bundle: ScanBundle) -> tuple[int, list[Vuln]]:
    with store.db.session() as session:
        scan_id = ingest(session, store.org_id, bundle).scan.id
        findings = session.scalars(
            select(Finding)
            .join(Occurrence, Occurrence.finding_id == Finding.id)
            .where(Occurrence.scan_id == scan_id, Finding.type == "oss_vuln")
        ).all()
        vulns = []
        for finding in findings:
            rows = session.execute(
                select(FindingTag.key, FindingTag.value).where(
                    FindingTag.finding_id == finding.id
                )
            )
            vulns.append(
                Vuln(
                    finding.rule_id,
                    dict(rows.tuples().all()),
                    str(finding.details.get("fix", "")),
                    finding.reachable,
                )
            )
    return scan_id, vulns


def _trivy(name: str) -> set[tuple[str, str, str, str]]:
    """(id, package, installed, fixed) Trivy expected for a lockfile's own target."""
    data = json.loads((LOCKFILES / name / "expected.trivy.json").read_text())
    result = data["Results"][0]
    return {
        (
            v["VulnerabilityID"],
            v["PkgName"].lower(),
            v["InstalledVersion"].removeprefix("v"),
            v["FixedVersion"],
        )
        for v in result.get("Vulnerabilities") or []
    }


def _by_cve_and_package(vulns: list[Vuln]) -> dict[tuple[str, ...], Vuln]:
    """Findings by (id, package) and by (id, package, version), for each id."""
    found: dict[tuple[str, ...], Vuln] = {}
    for vuln in vulns:
        purl = vuln.tags["package_url"]
        name, _, version = purl.split("/", 1)[1].rpartition("@")
        aliases = {vuln.rule_id, vuln.tags.get("cve", "")}
        for alias in aliases - {""}:
            found[(alias, name.lower())] = vuln
            found[(alias, name.lower(), version.removeprefix("v"))] = vuln
    return found


def test_trivy_expectations_and_symbol_reachability(
    osv_store: OsvStore, tmp_path: Path
) -> None:
    root = tmp_path / "calls"
    root.mkdir()
    bundle = _analyze(_project(root, GO_CALLS_PARSE))
    assert set(bundle.usage) >= {"python", "go"}
    assert "golang.org/x/text/language.Parse" in bundle.usage["go"]["symbols"]
    scan_id, vulns = _vulns(osv_store, bundle)
    found = _by_cve_and_package(vulns)
    expected = (
        _trivy("pip-trivy")
        | _trivy("poetry")
        | {e for e in _trivy("gomod") if e[0].startswith("CVE-")}
    )
    assert len(expected) == 5
    for cve, package, installed, fixed in expected:
        vuln = found[(cve, package, installed)]
        fixed = REAL_FIXES.get(cve, fixed)
        assert vuln.fix == f"Upgrade to {fixed.removeprefix('v')}", (cve, vuln.fix)

    text = found[("CVE-2021-38561", "golang.org/x/text")]
    assert text.rule_id == "GO-2021-0113"
    assert text.reachable is True
    assert text.tags["reachability"] == "reachable"
    # Same package, but the advisory names only MatchStrings/ParseAcceptLanguage.
    other = found[("CVE-2022-32149", "golang.org/x/text")]
    assert other.reachable is False
    assert other.tags["reachability"] == "unreachable"
    # The app never imports opa.
    assert (
        found[("CVE-2022-23628", "github.com/open-policy-agent/opa")].reachable is False
    )
    # werkzeug is imported by app.py and PyPA names no symbols.
    assert found[("CVE-2019-14806", "werkzeug")].reachable is True

    with osv_store.db.session() as session:
        counts = {
            p.purl: (p.num_vulns, p.num_reachable)
            for p in session.scalars(select(Package).where(Package.scan_id == scan_id))
        }
    x_text = [
        v
        for v in vulns
        if v.tags["package_url"] == "pkg:golang/golang.org/x/text@v0.3.6"
    ]
    assert counts["pkg:golang/golang.org/x/text@v0.3.6"] == (
        len(x_text),
        sum(1 for v in x_text if v.reachable),
    )
    assert counts["pkg:golang/golang.org/x/text@v0.3.6"][1] == 1


def test_go_advisory_unreachable_without_the_affected_call(
    osv_store: OsvStore, tmp_path: Path
) -> None:
    root = tmp_path / "nocall"
    root.mkdir()
    _, vulns = _vulns(osv_store, _analyze(_project(root, GO_NO_PARSE)))
    text = _by_cve_and_package(vulns)[("CVE-2021-38561", "golang.org/x/text")]
    assert text.reachable is False
    assert text.tags["reachability"] == "unreachable"
