"""Lockfile parsers against small fixtures written from each format's documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sordino.ingest.bundle import PackageRecord
from sordino.sca.lockfiles import (
    LockfileError,
    parse_all,
    parse_all_with_errors,
    parse_file,
)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _by_name(records: list[PackageRecord]) -> dict[str, PackageRecord]:
    return {r.name: r for r in records}


def test_requirements_features(tmp_path: Path) -> None:
    _write(tmp_path, "base.txt", "-r requirements.txt\nsix==1.16.0\n")
    path = _write(
        tmp_path,
        "requirements.txt",
        "# comment line\n"
        "-r base.txt\n"
        "--index-url https://example.invalid/simple\n"
        "requests[socks,security]==2.25.1 \\\n"
        "    --hash=sha256:abc \\\n"
        "    --hash=sha256:def\n"
        'pywin32==305 ; sys_platform == "win32"\n'
        "Django_Rest.Framework===3.12.4  # trailing comment\n"
        "flask>=2.0\n"
        "-e ./local-package\n",
    )
    records = parse_file(path, tmp_path)
    found = _by_name(records)
    assert found["requests"].version == "2.25.1"
    assert found["requests"].location == "requirements.txt#4"
    assert found["pywin32"].version == "305"
    assert found["django-rest-framework"].purl == (
        "pkg:pypi/django-rest-framework@3.12.4"
    )
    assert found["flask"].version == ""
    # base.txt includes requirements.txt back: the cycle is cut, six read once.
    assert found["six"].location == "base.txt#2"
    assert [r.name for r in records].count("six") == 1


def test_requirements_missing_include_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "requirements.txt", "six==1.0\n-r missing.txt\n")
    with pytest.raises(LockfileError) as caught:
        parse_file(path, tmp_path)
    assert caught.value.path == "requirements.txt"
    assert caught.value.line == 2


def test_utf16_little_endian_without_bom(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes("idna==2.8\n".encode("utf-16-le"))
    assert [r.purl for r in parse_file(path, tmp_path)] == ["pkg:pypi/idna@2.8"]


def test_pipfile_lock_sections(tmp_path: Path) -> None:
    lock = {
        "_meta": {},
        "default": {"requests": {"version": "==2.31.0"}, "idna": {"version": "==3.4"}},
        "develop": {"pytest": {"version": "==7.4.0"}},
    }
    _write(
        tmp_path,
        "Pipfile",
        '[packages]\nrequests = "*"\n[dev-packages]\npytest = "*"\n',
    )
    path = _write(tmp_path, "Pipfile.lock", json.dumps(lock, indent=4))
    result = parse_all_with_errors(tmp_path)
    entries = {e.record.name: e for e in result.entries}
    assert entries["requests"].record.version == "2.31.0"
    assert entries["requests"].record.direct
    assert not entries["idna"].record.direct
    assert entries["pytest"].scope == "dev"
    assert parse_file(path, tmp_path)[0].location.startswith("Pipfile.lock#")


def test_uv_lock(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "uv.lock",
        'version = 1\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
        'source = { editable = "." }\ndependencies = [{ name = "httpx" }]\n\n'
        '[[package]]\nname = "httpx"\nversion = "0.27.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [{ name = "idna" }]\n\n'
        '[[package]]\nname = "idna"\nversion = "3.7"\n'
        'source = { registry = "https://pypi.org/simple" }\n',
    )
    found = _by_name(parse_file(path, tmp_path))
    assert set(found) == {"httpx", "idna"}
    assert found["httpx"].direct
    assert not found["idna"].direct
    assert found["idna"].location == "uv.lock#16"


def test_package_lock_v1_and_v3(tmp_path: Path) -> None:
    v1 = {
        "lockfileVersion": 1,
        "dependencies": {
            "express": {"version": "4.17.1", "requires": {"qs": "6.7.0"}},
            "qs": {"version": "6.7.0"},
            "@babel/core": {"version": "7.0.0", "dev": True},
        },
    }
    found = _by_name(
        parse_file(
            _write(tmp_path, "a/package-lock.json", json.dumps(v1, indent=2)), tmp_path
        )
    )
    assert found["express"].direct
    assert not found["qs"].direct
    assert found["core"].purl == "pkg:npm/%40babel/core@7.0.0"
    assert found["core"].namespace == "@babel"
    v3 = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"lodash": "^4"}},
            "node_modules/lodash": {"version": "4.17.20", "license": "MIT"},
            "node_modules/a/node_modules/lodash": {"version": "3.0.0"},
        },
    }
    records = parse_file(
        _write(tmp_path, "b/package-lock.json", json.dumps(v3, indent=2)), tmp_path
    )
    assert [(r.version, r.direct, r.license) for r in records] == [
        ("4.17.20", True, "MIT"),
        ("3.0.0", False, ""),
    ]


YARN_CLASSIC = """# yarn lockfile v1


"@babel/code-frame@^7.0.0":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/x"
  dependencies:
    "@babel/highlight" "^7.12.13"

"@babel/highlight@^7.12.13":
  version "7.13.10"

lodash@^4.17.0, lodash@^4.17.20:
  version "4.17.21"
"""

YARN_BERRY = """__metadata:
  version: 6

"app@workspace:.":
  version: 0.0.0-use.local
  dependencies:
    lodash: ^4.17.21

"lodash@npm:^4.17.21":
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
"""


def test_yarn_classic_and_berry(tmp_path: Path) -> None:
    classic = _by_name(
        parse_file(_write(tmp_path, "c/yarn.lock", YARN_CLASSIC), tmp_path)
    )
    assert classic["code-frame"].version == "7.12.13"
    assert classic["code-frame"].direct
    assert not classic["highlight"].direct
    assert classic["lodash"].location == "c/yarn.lock#13"
    berry = parse_file(_write(tmp_path, "b/yarn.lock", YARN_BERRY), tmp_path)
    assert [r.purl for r in berry] == ["pkg:npm/lodash@4.17.21"]


def test_yarn_malformed_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "yarn.lock", 'lodash@^4:\n  version "4.0.0"\nbroken line\n')
    with pytest.raises(LockfileError, match=r"yarn.lock:3"):
        parse_file(path, tmp_path)


def test_pnpm_v6_and_v9(tmp_path: Path) -> None:
    v6 = (
        "lockfileVersion: '6.0'\n"
        "dependencies:\n  express:\n    specifier: ^4.18.0\n    version: 4.18.2\n"
        "packages:\n  /express@4.18.2:\n    resolution: {integrity: x}\n"
        "  /qs@6.11.0:\n    resolution: {integrity: y}\n    dev: false\n"
    )
    found = _by_name(parse_file(_write(tmp_path, "a/pnpm-lock.yaml", v6), tmp_path))
    assert found["express"].version == "4.18.2"
    assert found["express"].direct
    assert not found["qs"].direct
    v9 = (
        "lockfileVersion: '9.0'\n"
        "importers:\n  .:\n    devDependencies:\n      '@types/node':\n"
        "        specifier: ^20\n        version: 20.1.0\n"
        "packages:\n  '@types/node@20.1.0':\n    resolution: {integrity: z}\n"
        "snapshots:\n  '@types/node@20.1.0': {}\n"
    )
    records = parse_file(_write(tmp_path, "b/pnpm-lock.yaml", v9), tmp_path)
    assert [r.purl for r in records] == ["pkg:npm/%40types/node@20.1.0"]
    assert records[0].direct


def test_go_mod_before_117_reads_go_sum(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "go.mod",
        "module example.com/app\n\ngo 1.16\n\nrequire github.com/pkg/errors v0.9.1\n"
        "replace github.com/pkg/errors => github.com/fork/errors v0.9.2\n",
    )
    _write(
        tmp_path,
        "go.sum",
        "github.com/pkg/errors v0.9.1 h1:aaa=\n"
        "golang.org/x/text v0.3.0 h1:bbb=\ngolang.org/x/text v0.3.0/go.mod h1:ccc=\n"
        "golang.org/x/text v0.3.2 h1:ddd=\ngolang.org/x/sys v0.1.0/go.mod h1:eee=\n",
    )
    records = parse_file(tmp_path / "go.mod", tmp_path)
    assert [(r.purl, r.direct) for r in records] == [
        ("pkg:golang/github.com/fork/errors@v0.9.2", True),
        ("pkg:golang/golang.org/x/text@v0.3.2", False),
    ]


PARENT_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <groupId>org.example</groupId><artifactId>parent</artifactId><version>2.1.0</version>
  <properties><jackson.version>2.12.1</jackson.version></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId><version>${jackson.version}</version>
    </dependency>
  </dependencies></dependencyManagement>
</project>
"""

CHILD_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.example</groupId><artifactId>parent</artifactId>
    <version>2.1.0</version></parent>
  <artifactId>child</artifactId>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId></dependency>
    <dependency><groupId>${project.groupId}</groupId>
      <artifactId>sibling</artifactId><version>${project.version}</version></dependency>
  </dependencies>
</project>
"""


def test_pom_parent_properties_and_managed_versions(tmp_path: Path) -> None:
    _write(tmp_path, "pom.xml", PARENT_POM)
    child = _write(tmp_path, "child/pom.xml", CHILD_POM)
    found = _by_name(parse_file(child, tmp_path))
    assert found["jackson-databind"].version == "2.12.1"
    assert found["jackson-databind"].location == "child/pom.xml#7"
    assert found["sibling"].purl == "pkg:maven/org.example/sibling@2.1.0"


def test_pom_malformed_xml(tmp_path: Path) -> None:
    path = _write(tmp_path, "pom.xml", "<project>\n<dependencies>\n</project>\n")
    with pytest.raises(LockfileError) as caught:
        parse_file(path, tmp_path)
    assert caught.value.line == 3


def test_gradle_lockfile(tmp_path: Path) -> None:
    _write(tmp_path, "build.gradle", "implementation 'org.slf4j:slf4j-api:1.7.30'\n")
    path = _write(
        tmp_path,
        "gradle.lockfile",
        "# comment\norg.slf4j:slf4j-api:1.7.30=compileClasspath,runtimeClasspath\n"
        "junit:junit:4.13.1=testCompileClasspath,testRuntimeClasspath\nempty=\n",
    )
    result = parse_all_with_errors(tmp_path)
    entries = {e.record.name: e for e in result.entries}
    assert entries["slf4j-api"].record.direct
    assert entries["slf4j-api"].record.location == "gradle.lockfile#2"
    assert entries["junit"].scope == "test"
    assert not entries["junit"].record.direct
    _write(tmp_path, "gradle.lockfile", "not-a-coordinate=x\n")
    with pytest.raises(LockfileError, match=r"gradle\.lockfile:1"):
        parse_file(path, tmp_path)


def test_cargo_lock(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Cargo.lock",
        'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n'
        'dependencies = ["smallvec"]\n\n[[package]]\nname = "smallvec"\n'
        'version = "1.6.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n',
    )
    records = parse_file(path, tmp_path)
    assert [(r.purl, r.direct, r.location) for r in records] == [
        ("pkg:cargo/smallvec@1.6.0", True, "Cargo.lock#9")
    ]


def test_gemfile_lock(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "Gemfile.lock",
        "GEM\n  remote: https://rubygems.org/\n  specs:\n"
        "    actionpack (6.1.0)\n      rack (~> 2.0)\n    rack (2.2.3)\n"
        "    nokogiri (1.11.1-x86_64-linux)\n\nPLATFORMS\n  ruby\n\n"
        "DEPENDENCIES\n  actionpack (= 6.1.0)\n  nokogiri!\n",
    )
    found = _by_name(parse_file(path, tmp_path))
    assert found["actionpack"].direct
    assert not found["rack"].direct
    assert found["nokogiri"].version == "1.11.1"
    assert found["rack"].location == "Gemfile.lock#6"


def test_composer_lock(tmp_path: Path) -> None:
    lock = {
        "packages": [
            {
                "name": "guzzlehttp/guzzle",
                "version": "7.4.0",
                "license": ["MIT"],
                "require": {"guzzlehttp/psr7": "^2"},
            },
            {"name": "guzzlehttp/psr7", "version": "v2.1.0"},
        ],
        "packages-dev": [{"name": "phpunit/phpunit", "version": "9.5.0"}],
    }
    path = _write(tmp_path, "composer.lock", json.dumps(lock, indent=4))
    result = parse_all_with_errors(tmp_path)
    entries = {e.record.name: e for e in result.entries}
    guzzle = entries["guzzle"].record
    assert guzzle.purl == "pkg:composer/guzzlehttp/guzzle@7.4.0"
    assert guzzle.direct
    assert guzzle.license == "MIT"
    assert entries["psr7"].record.version == "2.1.0"
    assert not entries["psr7"].record.direct
    assert entries["phpunit"].scope == "dev"
    assert parse_file(path, tmp_path)[0].location == "composer.lock#4"


def test_parse_all_records_errors_and_continues(tmp_path: Path) -> None:
    _write(tmp_path, "bad/package-lock.json", '{\n  "packages": {\n    "x": \n}')
    _write(tmp_path, "good/requirements.txt", "six==1.16.0\n")
    result = parse_all_with_errors(tmp_path)
    assert [r.purl for r in result.packages] == ["pkg:pypi/six@1.16.0"]
    assert len(result.errors) == 1
    assert result.errors[0].path == "bad/package-lock.json"
    assert result.errors[0].line == 4
    assert [r.purl for r in parse_all(tmp_path)] == ["pkg:pypi/six@1.16.0"]


def test_empty_lockfiles(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "# nothing pinned\n")
    _write(tmp_path, "Cargo.lock", "version = 3\n")
    result = parse_all_with_errors(tmp_path)
    assert result.entries == []
    assert result.errors == []
