"""Reachability: imports per language and Go/Python symbol use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sordino.ingest.bundle import PackageRecord
from sordino.sca.lockfiles import parse_all
from sordino.sca.reachability import imported_modules, reachability, used_symbols
from sordino.vulndb.matching import VulnMatch
from sordino.vulndb.service import import_path, match
from tests.vulndb.conftest import GO, new_database

GO_MOD = "module example.com/app\n\ngo 1.20\n\nrequire golang.org/x/text v0.3.6\n"

CALLS_PARSE = """package main

import (
\t"fmt"
\tlang "golang.org/x/text/language"
)

func main() {
\ttag, err := lang.Parse("en-US")
\tfmt.Println(tag, err)
}
"""

IMPORTS_ONLY = """package main

import "golang.org/x/text/language"

func main() {
\t_ = language.Make("en")
}
"""


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    advisory = GO / "GO-2021-0113.json"
    if not advisory.is_file():
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    db = new_database(tmp_path / "osv.sqlite")
    with db.session() as session:
        import_path(session, advisory)
        yield session


def _x_text_match(session: Session, app: Path) -> VulnMatch:
    packages = parse_all(app)
    found = {m.advisory_id: m for m in match(session, packages)}
    return found["GO-2021-0113"]


def _app(root: Path, source: str) -> Path:
    root.mkdir()
    (root / "go.mod").write_text(GO_MOD)
    (root / "main.go").write_text(source)
    return root


def test_go_app_calling_affected_symbol_is_reachable(
    session: Session, tmp_path: Path
) -> None:
    app = _app(tmp_path / "calls", CALLS_PARSE)
    imports = imported_modules(app)
    symbols = used_symbols(app, "go")
    assert "golang.org/x/text/language.Parse" in symbols
    assert reachability(_x_text_match(session, app), imports, symbols)


def test_go_app_importing_without_calling_is_not_reachable(
    session: Session, tmp_path: Path
) -> None:
    app = _app(tmp_path / "imports", IMPORTS_ONLY)
    imports = imported_modules(app)
    assert imports["go"] == {"golang.org/x/text/language"}
    symbols = used_symbols(app, "go")
    assert "golang.org/x/text/language.Make" in symbols
    assert not reachability(_x_text_match(session, app), imports, symbols)


def _match_for(package: PackageRecord, symbols: list[str] | None = None) -> VulnMatch:
    return VulnMatch(
        package=package,
        ecosystem="",
        advisory_id="TEST-1",
        aliases=[],
        cve="",
        summary="",
        details="",
        severity="medium",
        cvss_score=None,
        cvss_vector="",
        fix="",
        fixed_versions=[],
        symbols=symbols or [],
        modules=[],
        cwe_ids=[],
    )


def _package(purl_type: str, namespace: str, name: str) -> PackageRecord:
    return PackageRecord(purl="pkg:x/y", type=purl_type, namespace=namespace, name=name)


def test_imports_of_python_js_and_java(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import yaml\nfrom PIL import Image\nimport requests.adapters as ra\n"
        "from . import local\nra.HTTPAdapter()\nyaml.load(x)\n"
    )
    (tmp_path / "web.ts").write_text(
        "import { x } from '@scope/lib/sub';\nconst l = require(\"lodash\");\n"
        "const m = await import('moment');\n"
    )
    (tmp_path / "Main.java").write_text(
        "import com.fasterxml.jackson.databind.ObjectMapper;\n"
        "import static org.junit.Assert.assertTrue;\n"
    )
    (tmp_path / "broken.py").write_text("def (:\n")
    imports = imported_modules(tmp_path)
    assert imports["python"] == {"yaml", "PIL", "requests.adapters"}
    assert imports["javascript"] == {"@scope/lib/sub", "lodash", "moment"}
    assert imports["java"] == {
        "com.fasterxml.jackson.databind.ObjectMapper",
        "org.junit.Assert.assertTrue",
    }
    symbols = used_symbols(tmp_path, "python")
    assert {"yaml.load", "requests.adapters.HTTPAdapter", "PIL.Image"} <= symbols

    def reach(package: PackageRecord) -> bool:
        return reachability(_match_for(package), imports, symbols)

    assert reach(_package("pypi", "", "pyyaml"))
    assert reach(_package("pypi", "", "pillow"))
    assert reach(_package("pypi", "", "requests"))
    assert not reach(_package("pypi", "", "flask"))
    assert reach(_package("npm", "@scope", "lib"))
    assert reach(_package("npm", "", "lodash"))
    assert not reach(_package("npm", "", "lodash-es"))
    assert reach(_package("maven", "com.fasterxml.jackson.core", "jackson-databind"))
    assert not reach(_package("maven", "org.apache.logging.log4j", "log4j-core"))
    assert not reach(_package("cargo", "", "serde"))


def test_python_symbol_filter(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import yaml\nyaml.safe_load(data)\n")
    imports = imported_modules(tmp_path)
    symbols = used_symbols(tmp_path, "python")
    pyyaml = _package("pypi", "", "pyyaml")
    assert not reachability(_match_for(pyyaml, ["yaml.load"]), imports, symbols)
    assert reachability(_match_for(pyyaml, ["yaml.safe_load"]), imports, symbols)
