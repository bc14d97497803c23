"""The rule pack's metadata: completeness, taxonomy consistency, loader errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sordino.analysis import rules, taxonomy

TAINT_CLASSES = {
    "sqli",
    "command-injection",
    "code-injection",
    "xss",
    "path-traversal",
    "ssrf",
    "open-redirect",
    "deserialization",
    "xxe",
    "ldap-injection",
    "header-injection",
}
PATTERN_CLASSES = {
    "weak-hash",
    "weak-cipher",
    "weak-random",
    "tls-verify-disabled",
    "hardcoded-credentials",
    "insecure-cookie",
}
GOOD_RULE = {
    "id": "sordino.demo.thing",
    "languages": ["python"],
    "severity": "WARNING",
    "message": "demo",
    "pattern": "eval(...)",
    "metadata": {
        "category": "Remote Code Execution",
        "title": "Remote Code Execution: demo",
        "cwe": "CWE-95",
        "owasp_2017": "a1-injection",
        "owasp_2021": "a03-injection",
        "severity": "high",
        "remediation": "Do not.",
    },
}


def _raw_rules() -> list[tuple[str, dict[str, object]]]:
    pairs = []
    for path in rules.rule_files():
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            pairs.append((path.stem, raw))
    return pairs


def _write_pack(tmp_path: Path, *docs: dict[str, object]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for index, rule in enumerate(docs):
        text = yaml.safe_dump({"rules": [rule]})
        (tmp_path / f"pack{index}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_every_rule_is_loaded_once() -> None:
    raw = _raw_rules()
    metadata = rules.load_rule_metadata()
    assert len(metadata) == len(raw)
    assert {rule["id"] for _, rule in raw} == set(metadata)


@pytest.mark.parametrize(("stem", "raw"), _raw_rules(), ids=lambda v: str(v)[:40])
def test_rule_id_names_its_file(stem: str, raw: dict[str, object]) -> None:
    assert re.fullmatch(rf"sordino\.{stem}\.[a-z0-9-]+", str(raw["id"]))
    assert str(raw.get("message", "")).strip()


@pytest.mark.parametrize("meta", rules.load_rule_metadata().values(), ids=str)
def test_metadata_matches_taxonomy(meta: rules.RuleMeta) -> None:
    category = taxonomy.CATEGORIES[meta.category]
    assert meta.owasp_2017 == category.owasp_2017
    assert meta.owasp_2021 == category.owasp_2021
    assert meta.severity in rules.SEVERITIES
    assert taxonomy.for_cwe(meta.cwe) is not None
    assert meta.title.startswith(f"{meta.category}: ")
    assert len(meta.remediation) > 20
    assert meta.languages


@pytest.mark.parametrize("language", ["python", "javascript", "java"])
def test_full_taint_coverage(language: str) -> None:
    metadata = rules.load_rule_metadata()
    names = {
        rule_id.rsplit(".", 1)[1]
        for rule_id, meta in metadata.items()
        if rule_id.startswith(f"sordino.{language}.") and meta.taint
    }
    assert names >= TAINT_CLASSES


@pytest.mark.parametrize("language", ["python", "javascript", "java", "go"])
def test_pattern_rule_coverage(language: str) -> None:
    ids = set(rules.load_rule_metadata())
    assert {f"sordino.{language}.{name}" for name in PATTERN_CLASSES} <= ids


def test_some_rules_offer_autofixes() -> None:
    fixable = {m.id for m in rules.load_rule_metadata().values() if m.has_fix}
    assert "sordino.python.tls-verify-disabled" in fixable
    assert "sordino.go.tls-verify-disabled" in fixable
    assert "sordino.python.sqli" not in fixable


@pytest.mark.parametrize(
    ("check_id", "expected"),
    [
        ("src.sordino.analysis.rules.sordino.python.sqli", "sordino.python.sqli"),
        ("work.main.src.sordino.analysis.rules.sordino.go.xss", "sordino.go.xss"),
        ("sordino.java.xxe", "sordino.java.xxe"),
        ("python.lang.security.audit.eval", "python.lang.security.audit.eval"),
        ("B602", "B602"),
    ],
)
def test_canonical_rule_id(check_id: str, expected: str) -> None:
    assert rules.canonical_rule_id(check_id) == expected


def test_lookup_strips_prefix() -> None:
    meta = rules.lookup("tmp.x.sordino.python.weak-hash")
    assert meta is not None
    assert meta.category == "Weak Hash"
    assert meta.cwe == 328
    assert rules.lookup("sordino.python.no-such-rule") is None


def test_custom_directory_loads(tmp_path: Path) -> None:
    metadata = rules.load_rule_metadata(_write_pack(tmp_path, GOOD_RULE))
    assert metadata["sordino.demo.thing"].cwe == 95
    assert metadata["sordino.demo.thing"].taint is False
    assert metadata["sordino.demo.thing"].cvss == 9.8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "Made Up"}, "unknown category"),
        ({"cwe": "n/a"}, "bad cwe"),
        ({"severity": "severe"}, "bad cwe or severity"),
        ({"remediation": ""}, "lacks"),
    ],
)
def test_bad_metadata_is_rejected(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    rule = {**GOOD_RULE, "metadata": {**GOOD_RULE["metadata"], **change}}  # type: ignore[dict-item]
    with pytest.raises(rules.RuleMetadataError, match=message):
        rules.load_rule_metadata(_write_pack(tmp_path, rule))


def test_missing_metadata_and_duplicates_are_rejected(tmp_path: Path) -> None:
    bare = {key: value for key, value in GOOD_RULE.items() if key != "metadata"}
    with pytest.raises(rules.RuleMetadataError, match="no metadata"):
        rules.load_rule_metadata(_write_pack(tmp_path / "a", bare))
    with pytest.raises(rules.RuleMetadataError, match="duplicate"):
        rules.load_rule_metadata(_write_pack(tmp_path, GOOD_RULE, GOOD_RULE))


@pytest.mark.parametrize(
    "text", ["rules: [unclosed", "just a string", "rules: 3", "rules: [1, 2]"]
)
def test_unreadable_files_are_rejected(tmp_path: Path, text: str) -> None:
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(rules.RuleMetadataError, match=r"broken\.yaml"):
        rules.load_rule_metadata(tmp_path)
