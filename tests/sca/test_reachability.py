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


# x/text's Parse family, yaml.v3's Unmarshal, x/net/http2's methods and functions.
ADVISORIES = ("GO-2021-0113", "GO-2022-0603", "GO-2023-1571")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    advisories = [GO / f"{name}.json" for name in ADVISORIES]
    if not all(advisory.is_file() for advisory in advisories):
        pytest.fail("shared advisory data missing: set SORDINO_TEST_SHARED_DIR")
    db = new_database(tmp_path / "osv.sqlite")
    with db.session() as session:
        for advisory in advisories:
            import_path(session, advisory)
        yield session


def _go_match(session: Session, app: Path, advisory: str) -> VulnMatch:
    packages = parse_all(app)
    found = {m.advisory_id: m for m in match(session, packages)}
    return found[advisory]


def _x_text_match(session: Session, app: Path) -> VulnMatch:
    return _go_match(session, app, "GO-2021-0113")


def _app(root: Path, source: str, go_mod: str = GO_MOD) -> Path:
    root.mkdir()
    (root / "go.mod").write_text(go_mod)
    (root / "main.go").write_text(source)
    return root


def _reachable(session: Session, app: Path, advisory: str) -> bool:
    return reachability(
        _go_match(session, app, advisory),
        imported_modules(app),
        used_symbols(app, "go"),
    )


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


MENTIONS_PARSE = """package main

import (
\t"fmt"
\t// "golang.org/x/net/html" was used once
\t"golang.org/x/text/language"
)

/* An older version called language.Parse(input) here. */
func main() {
\t// language.Parse("en") panics on malformed tags.
\texample := "language.MustParse(\\"en\\")"
\traw := `language.ParseAcceptLanguage(header)`
\tquote := '"'; tag := language.Make("en")
\tfmt.Println(language.English, example, raw, quote, tag)
}
"""


def test_go_comments_and_strings_are_not_uses(session: Session, tmp_path: Path) -> None:
    app = _app(tmp_path / "mentions", MENTIONS_PARSE)
    assert imported_modules(app)["go"] == {"fmt", "golang.org/x/text/language"}
    symbols = used_symbols(app, "go")
    language = "golang.org/x/text/language"
    assert {f"{language}.English", f"{language}.Make"} <= symbols
    assert not {f"{language}.{s}" for s in ("Parse", "MustParse")} & symbols
    assert not _reachable(session, app, "GO-2021-0113")


def test_imports_in_comments_and_strings_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "web.js").write_text(
        "// import legacy from 'left-pad';\n"
        '/* const old = require("request"); */\n'
        "const help = \"import x from 'lodash-es'\";\n"
        "const tpl = `require('underscore') ${require('chalk')}`;\n"
        "const q = s.replace(/'/g, \"\"); const m = require('moment');\n"
        'const half = total / 2; const axios = require("axios");\n'
    )
    (tmp_path / "Main.java").write_text(
        "package app;\n\n"
        "import com.fasterxml.jackson.databind.ObjectMapper;\n"
        "/*\nimport org.apache.logging.log4j.Logger;\n*/\n"
        "class Main {\n"
        '    String help = """\n        import org.yaml.snakeyaml.Yaml;\n'
        '        """;\n'
        "    char quote = '\"';\n"
        "}\n"
    )
    (tmp_path / "app.py").write_text(
        '# import flask\nimport yaml\nHELP = """\nimport django\n"""\n'
    )
    imports = imported_modules(tmp_path)
    assert imports["javascript"] == {"chalk", "moment", "axios"}
    assert imports["java"] == {"com.fasterxml.jackson.databind.ObjectMapper"}
    assert imports["python"] == {"yaml"}


YAML_GO_MOD = (
    "module example.com/app\n\ngo 1.20\n\n"
    "require gopkg.in/yaml.v3 v3.0.0-20210107192922-496545a6307b\n"
)

UNMARSHALS = """package main

import (
\t"github.com/mattn/go-sqlite3"
\t"gopkg.in/src-d/go-git.v4"
\t"gopkg.in/yaml.v3"
\tmux "github.com/gorilla/mux/v2"
)

func main() {
\tvar v map[string]any
\t_ = yaml.Unmarshal([]byte("a: 1"), &v)
\t_, _ = git.PlainOpen(".")
\t_ = sqlite3.Version
\t_ = mux.NewRouter()
}
"""


def test_go_default_names_of_versioned_and_prefixed_paths(
    session: Session, tmp_path: Path
) -> None:
    app = _app(tmp_path / "yaml", UNMARSHALS, YAML_GO_MOD)
    symbols = used_symbols(app, "go")
    assert {
        "gopkg.in/yaml.v3.Unmarshal",
        "gopkg.in/src-d/go-git.v4.PlainOpen",
        "github.com/mattn/go-sqlite3.Version",
        "github.com/gorilla/mux/v2.NewRouter",
    } <= symbols
    assert _reachable(session, app, "GO-2022-0603")


DOT_IMPORT = """package main

import (
\t"fmt"
\t. "golang.org/x/text/language"
)

func main() {
\tfmt.Println(MustParse("en"))
}
"""


def test_go_dot_import_uses_unqualified_names(session: Session, tmp_path: Path) -> None:
    app = _app(tmp_path / "dot", DOT_IMPORT)
    assert "golang.org/x/text/language.MustParse" in used_symbols(app, "go")
    assert _reachable(session, app, "GO-2021-0113")


X_NET_GO_MOD = "module example.com/app\n\ngo 1.20\n\nrequire golang.org/x/net v0.6.0\n"

BLANK_HTTP2 = """package main

import (
\t"net/http"

\t_ "golang.org/x/net/http2"
)

func main() {
\treq, _ := http.NewRequest("GET", "https://example.com", nil)
\t_, _ = http.DefaultTransport.RoundTrip(req)
}
"""

NAMED_HTTP2 = """package main

import (
\t"net/http"

\t"golang.org/x/net/http2"
)

func main() {
\treq, _ := http.NewRequest("GET", "https://example.com", nil)
\tt := &http2.Transport{}
\t_, _ = t.RoundTrip(req)
}
"""


def test_go_methods_need_the_package_named(session: Session, tmp_path: Path) -> None:
    # RoundTrip is called on net/http's transport: x/net/http2 is only linked in.
    blank = _app(tmp_path / "blank", BLANK_HTTP2, X_NET_GO_MOD)
    assert "golang.org/x/net/http2" in imported_modules(blank)["go"]
    assert not _reachable(session, blank, "GO-2023-1571")
    named = _app(tmp_path / "named", NAMED_HTTP2, X_NET_GO_MOD)
    assert _reachable(session, named, "GO-2023-1571")
