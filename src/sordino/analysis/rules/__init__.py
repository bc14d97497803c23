"""sordino's own semgrep rule pack and a typed view of each rule's metadata.

The YAML files in this folder are semgrep rules (one file per language). Run
them offline with::

    SEMGREP_SEND_METRICS=off semgrep scan --config RULES_DIR --json \\
        --metrics=off --disable-version-check --oss-only --dataflow-traces PATH

The files share taint sources through YAML anchors, which the semgrep CLI
resolves; feed them to the CLI, not to ``semgrep-core`` directly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sordino.analysis import taxonomy

RULES_DIR: Path = Path(__file__).resolve().parent

RULE_ID_PREFIX = "sordino"
SEVERITIES = ("critical", "high", "medium", "low")
REQUIRED_METADATA = (
    "category",
    "title",
    "cwe",
    "owasp_2017",
    "owasp_2021",
    "severity",
    "remediation",
)


class RuleMetadataError(ValueError):
    """A rule file cannot be read or a rule's metadata is incomplete."""


@dataclass(frozen=True)
class RuleMeta:
    """What sordino needs to know about one of its rules."""

    id: str
    title: str
    message: str
    category: str
    cwe: int
    owasp_2017: str
    owasp_2021: str
    severity: str
    cvss: float
    remediation: str
    languages: tuple[str, ...]
    taint: bool
    has_fix: bool


def rule_files(rules_dir: Path = RULES_DIR) -> list[Path]:
    """The rule YAML files in ``rules_dir``, sorted by name."""
    return sorted(rules_dir.glob("*.yaml"))


def canonical_rule_id(check_id: str) -> str:
    """Strip the path-derived prefix semgrep adds to ``check_id``.

    ``src.sordino.analysis.rules.sordino.python.sqli`` becomes
    ``sordino.python.sqli``; ids of other rule packs are returned unchanged.
    """
    parts = check_id.split(".")
    if len(parts) >= 3 and parts[-3] == RULE_ID_PREFIX:
        return ".".join(parts[-3:])
    return check_id


def _read_rules(path: Path) -> list[dict[str, Any]]:
    """The list of raw rule mappings in one YAML file."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleMetadataError(f"cannot read rule file {path.name}: {exc}") from exc
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise RuleMetadataError(f"{path.name} has no 'rules' list of mappings")
    return rules


def _parse_rule(raw: dict[str, Any], source: str) -> RuleMeta:
    """Build a RuleMeta from one raw rule, checking it against the taxonomy."""
    rule_id = str(raw.get("id", ""))
    metadata = raw.get("metadata")
    if not isinstance(metadata, dict):
        raise RuleMetadataError(f"{source}: rule {rule_id!r} has no metadata")
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if missing:
        raise RuleMetadataError(f"{source}: rule {rule_id!r} lacks {missing}")
    category = taxonomy.get(str(metadata["category"]))
    if category is None:
        raise RuleMetadataError(
            f"{source}: rule {rule_id!r} has unknown category {metadata['category']!r}"
        )
    cwe = taxonomy.parse_cwe(str(metadata["cwe"]))
    severity = str(metadata["severity"])
    if cwe is None or severity not in SEVERITIES:
        raise RuleMetadataError(f"{source}: rule {rule_id!r} has a bad cwe or severity")
    return RuleMeta(
        id=rule_id,
        title=str(metadata["title"]),
        message=" ".join(str(raw.get("message", "")).split()),
        category=category.name,
        cwe=cwe,
        owasp_2017=str(metadata["owasp_2017"]),
        owasp_2021=str(metadata["owasp_2021"]),
        severity=severity,
        cvss=category.cvss,
        remediation=" ".join(str(metadata["remediation"]).split()),
        languages=tuple(str(lang) for lang in raw.get("languages", [])),
        taint=raw.get("mode") == "taint",
        has_fix="fix" in raw or "fix-regex" in raw,
    )


def load_rule_metadata(rules_dir: Path = RULES_DIR) -> dict[str, RuleMeta]:
    """Map every rule id in ``rules_dir`` to its metadata.

    Raises ``RuleMetadataError`` on unreadable files, duplicate ids or
    incomplete metadata, so a broken rule pack stops start-up.
    """
    if rules_dir == RULES_DIR:
        return dict(_bundled_metadata())
    return _load(rules_dir)


@functools.cache
def _bundled_metadata() -> dict[str, RuleMeta]:
    """The bundled pack's metadata, read once per process."""
    return _load(RULES_DIR)


def _load(rules_dir: Path) -> dict[str, RuleMeta]:
    """Read and check every rule file in ``rules_dir``."""
    result: dict[str, RuleMeta] = {}
    for path in rule_files(rules_dir):
        for raw in _read_rules(path):
            meta = _parse_rule(raw, path.name)
            if meta.id in result:
                raise RuleMetadataError(f"{path.name}: duplicate rule id {meta.id!r}")
            result[meta.id] = meta
    return result


def lookup(check_id: str) -> RuleMeta | None:
    """The bundled rule behind a semgrep ``check_id``, prefixed or not."""
    return _bundled_metadata().get(canonical_rule_id(check_id))
