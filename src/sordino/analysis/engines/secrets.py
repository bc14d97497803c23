"""Hard-coded secrets: detect-secrets plus sordino's own patterns.

The raw secret never leaves this module except in ``EngineResult.redactions``
(kept in memory so the runner can scrub other engines' text): findings carry
a masked value and a fingerprint built from a hash of the secret.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sordino.analysis import fingerprint, taxonomy
from sordino.analysis.engines.base import (
    EngineContext,
    EngineError,
    EngineResult,
    RunningProcess,
    find_binary,
    relative_path,
)
from sordino.analysis.inventory import MAX_FILE_BYTES, SKIP_DIRS, Inventory, language_of
from sordino.ingest.bundle import FindingRecord, Severity

_CATEGORY = taxonomy.get("Hardcoded Credentials")
MIN_ENTROPY = 3.0
_VISIBLE = 4


# A value that only names where the secret comes from: ``${DB_PASSWORD}``,
# ``$TOKEN``, ``{{vault_password}}``, ``%(password)s``, ``<password>`` or an
# environment variable's name (``DB_PASSWORD_FILE``).
REFERENCE = re.compile(
    r"\$\{[^}]*\}|\$\w+|\{\{.*\}\}|%\(\w+\)s|<[^<>]*>|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
)


@dataclass(frozen=True)
class Pattern:
    """One of sordino's own secret patterns; ``group`` holds the secret.

    With ``literal_only``, a value that is a reference (``REFERENCE``) rather
    than the secret itself is not reported.
    """

    slug: str
    label: str
    regex: re.Pattern[str]
    group: int = 0
    min_entropy: float = 0.0
    min_length: int = 0
    literal_only: bool = False

    def accepts(self, secret: str) -> bool:
        """Whether a matched value is reported as a secret."""
        if shannon_entropy(secret) < self.min_entropy:
            return False
        return not (self.literal_only and REFERENCE.fullmatch(secret))


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "aws-access-key", "AWS Access Key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
    ),
    Pattern(
        "private-key",
        "Private Key",
        re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----"),
    ),
    Pattern(
        "github-token",
        "GitHub Token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ),
    Pattern("gitlab-token", "GitLab Token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    Pattern(
        "slack-token", "Slack Token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")
    ),
    Pattern(
        "secret-keyword",
        "Secret Keyword",
        # A key naming a secret, then a quoted value; the same quote closes it.
        re.compile(
            r"""(?i)\b[\w.-]{0,40}(?:password|passwd|pwd|secret|api_?key|token)[\w.-]{0,40}"""
            r"""["']?\s*[:=]{1,2}\s*(["'])((?:(?!\1)\S)+)\1"""
        ),
        group=2,
        min_entropy=MIN_ENTROPY,
        min_length=8,
        literal_only=True,
    ),
)


def mask(secret: str) -> str:
    """The secret's first characters followed by asterisks (fewer shown if short)."""
    visible = min(_VISIBLE, len(secret) // 4)
    return secret[:visible] + "*" * (len(secret) - visible)


def shannon_entropy(text: str) -> float:
    """Bits of Shannon entropy per character of ``text``."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in Counter(text).values())


@dataclass(frozen=True)
class Hit:
    """A secret found at one line; ``secret`` is raw and stays in memory."""

    slug: str
    label: str
    file: str
    line: int
    secret: str
    line_text: str
    hashed: str = ""

    def overlaps(self, other: Hit) -> bool:
        """Whether two hits name the same secret on the same line."""
        if (self.file, self.line) != (other.file, other.line):
            return False
        if not self.secret or not other.secret:
            return True
        return self.secret in other.secret or other.secret in self.secret


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


def scan_text(file: str, text: str) -> list[Hit]:
    """Hits of sordino's own patterns in one file's text."""
    lines = text.splitlines()
    hits = []
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            secret = match.group(pattern.group)
            if len(secret) < pattern.min_length or not pattern.accepts(secret):
                continue
            line = text.count("\n", 0, match.start()) + 1
            hits.append(
                Hit(pattern.slug, pattern.label, file, line, secret, lines[line - 1])
            )
    return hits


def scan_files(root: Path, files: list[Path]) -> list[Hit]:
    """Hits of sordino's own patterns in every readable text file."""
    hits: list[Hit] = []
    for relative in files:
        text = _read_text(root / relative)
        if text is not None:
            hits += scan_text(relative.as_posix(), text)
    return hits


_CANDIDATE_SPLIT = re.compile(r"""[\s"'`,;()\[\]{}<>=:]+""")


def recover_secret(line_text: str, hashed: str) -> str:
    """The token of ``line_text`` whose SHA-1 is detect-secrets' ``hashed_secret``."""
    candidates = {line_text.strip(), *_CANDIDATE_SPLIT.split(line_text)}
    candidates |= set(re.findall(r"""["']([^"']+)["']""", line_text))
    candidates |= {m.group(0) for p in PATTERNS for m in p.regex.finditer(line_text)}
    for candidate in candidates:
        digest = hashlib.sha1(candidate.encode(), usedforsecurity=False).hexdigest()
        if candidate and digest == hashed:
            return candidate
    return ""


def _slug(kind: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "secret"


def parse_detect_secrets(data: Any, root: Path) -> list[Hit]:
    """Hits from ``detect-secrets scan`` JSON, each secret recovered from its line."""
    if not isinstance(data, dict) or not isinstance(data.get("results", {}), dict):
        raise EngineError("crashed", "detect-secrets output is not a JSON baseline")
    hits: list[Hit] = []
    for items in data.get("results", {}).values():
        for item in items if isinstance(items, list) else []:
            file = relative_path(str(item.get("filename", "")), root)
            line = int(item.get("line_number", 0) or 0)
            text = _read_text(root / file) or ""
            lines = text.splitlines()
            line_text = lines[line - 1] if 0 < line <= len(lines) else ""
            hashed = str(item.get("hashed_secret", ""))
            secret = recover_secret(line_text, hashed)
            kind = str(item.get("type", "Secret"))
            hits.append(Hit(_slug(kind), kind, file, line, secret, line_text, hashed))
    return hits


def merge(own: list[Hit], detected: list[Hit]) -> list[Hit]:
    """Own hits plus the detect-secrets hits that no own hit already covers."""
    merged = list(own)
    for hit in detected:
        if not any(hit.overlaps(kept) for kept in merged):
            merged.append(hit)
    return merged


def secret_details(secret: str, file: str, line: int) -> dict[str, Any]:
    """The ``details`` of a secret finding: masked value, entropy and place."""
    return {
        "secret": mask(secret) if secret else "*" * 8,
        "entropy": f"{shannon_entropy(secret):.2f}",
        "fileName": file,
        "lineNumber": line,
    }


def to_finding(hit: Hit) -> FindingRecord:
    """A secret finding that carries only the masked secret."""
    masked = mask(hit.secret) if hit.secret else "*" * 8
    snippet = hit.line_text.replace(hit.secret, masked) if hit.secret else ""
    rule_id = f"secrets.{hit.slug}"
    identity = hit.secret or hit.hashed or f"line:{hit.line}"
    severity: Severity = "high"
    return FindingRecord(
        type="secret",
        rule_id=rule_id,
        title=f"Hardcoded Credentials: {hit.label}",
        description=(
            f"A value that looks like a {hit.label.lower()} is written in "
            f"{hit.file} at line {hit.line}; move it to a secret store and rotate it."
        ),
        severity=severity,
        category=_CATEGORY.name if _CATEGORY else "Hardcoded Credentials",
        cwe=[_CATEGORY.cwe] if _CATEGORY else [798],
        owasp_2017=_CATEGORY.owasp_2017 if _CATEGORY else "",
        owasp_2021=_CATEGORY.owasp_2021 if _CATEGORY else "",
        language=language_of(hit.file),
        file=hit.file,
        line=hit.line,
        end_line=hit.line,
        snippet=snippet.strip(),
        fingerprint=fingerprint.secret_fingerprint(rule_id, hit.file, identity),
        details=secret_details(hit.secret, hit.file, hit.line),
        engine="secrets",
    )


class SecretsEngine:
    """detect-secrets in a subprocess while sordino's own patterns run here."""

    name = "secrets"
    optional = False

    def applies(self, inventory: Inventory) -> bool:
        """Whether the tree holds any file at all."""
        return bool(inventory.files)

    def available(self) -> bool:
        """Whether the detect-secrets executable is installed."""
        return find_binary("detect-secrets") is not None

    def command(self) -> list[str]:
        """The detect-secrets command line, run from the tree's root."""
        skipped = "|".join(re.escape(name) for name in sorted(SKIP_DIRS))
        return [
            find_binary("detect-secrets") or "detect-secrets",
            "scan",
            "--all-files",
            "--exclude-files",
            f"(^|/)({skipped})/",
            ".",
        ]

    def run(self, ctx: EngineContext) -> EngineResult:
        """Scan with both detectors at once and merge their hits."""
        process = RunningProcess(self.command(), ctx)
        own = scan_files(ctx.root, ctx.inventory.files)
        outcome = process.wait()
        try:
            data = json.loads(outcome.stdout)
        except ValueError as exc:
            raise EngineError(
                "crashed",
                f"detect-secrets exited {outcome.returncode} without JSON output: "
                f"{outcome.stderr_tail()}",
            ) from exc
        hits = merge(own, parse_detect_secrets(data, ctx.root))
        return EngineResult(
            findings=[to_finding(hit) for hit in hits],
            redactions=sorted({hit.secret for hit in hits if hit.secret}),
            # detect-secrets has no "secrets found" code: anything but 0 failed.
            failure=outcome.failure(self.name, {0}),
        )
