"""Tests for the secrets engine: own patterns, detect-secrets output, masking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sordino.analysis.engines.base import EngineError
from sordino.analysis.engines.secrets import (
    Hit,
    mask,
    merge,
    parse_detect_secrets,
    recover_secret,
    scan_text,
    shannon_entropy,
    to_finding,
)
from sordino.analysis.fingerprint import secret_fingerprint
from tests.analysis.tree import SAMPLES, make_tree

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / f"detect_secrets_{name}.json").read_text())


def test_mask() -> None:
    assert mask(AWS_KEY) == "AKIA" + "*" * 16
    assert mask("abcdefgh") == "ab******"
    assert mask("abc") == "***"


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_own_patterns() -> None:
    text = (
        f'key = "{AWS_KEY}"\n'
        "-----BEGIN RSA PRIVATE KEY-----\n"
        'token = "ghp_' + "a1B2" * 9 + '"\n'
        'gl = "glpat-' + "x" * 20 + '"\n'
        'slack = "xoxb-1234567890-abcdefghij"\n'
        'password = "Xk9#mQ2vLp8zRt4w"\n'
        'password = "aaaaaaaaaaaa"\n'
    )
    hits = scan_text("a.py", text)
    found = {(hit.slug, hit.line) for hit in hits}
    assert found == {
        ("aws-access-key", 1),
        ("private-key", 2),
        ("github-token", 3),
        ("gitlab-token", 4),
        ("slack-token", 5),
        ("secret-keyword", 6),
    }
    [keyword] = [hit for hit in hits if hit.slug == "secret-keyword"]
    assert keyword.secret == "Xk9#mQ2vLp8zRt4w"


def test_recover_secret_from_hash() -> None:
    line = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"'
    assert recover_secret(line, "25910f981e85ca04baf359199dd0bd4a3ae738b6") == AWS_KEY
    assert recover_secret(line, "0" * 40) == ""


def test_detect_secrets_empty(tmp_path: Path) -> None:
    assert parse_detect_secrets(_sample("empty"), make_tree(tmp_path, "empty")) == []


def test_detect_secrets_one(tmp_path: Path) -> None:
    [hit] = parse_detect_secrets(_sample("one"), make_tree(tmp_path, "one"))
    assert (hit.slug, hit.file, hit.line, hit.secret) == (
        "aws-access-key",
        "settings.ini",
        2,
        AWS_KEY,
    )


def test_detect_secrets_many(tmp_path: Path) -> None:
    hits = parse_detect_secrets(_sample("many"), make_tree(tmp_path, "many"))
    assert [(h.label, h.line, h.secret) for h in hits] == [
        ("AWS Access Key", 6, AWS_KEY),
        ("Secret Keyword", 7, "Xk9#mQ2vLp8zRt4w"),
    ]


def test_merge_drops_overlaps() -> None:
    own = [Hit("aws-access-key", "AWS Access Key", "a.py", 1, AWS_KEY, "x")]
    detected = [
        Hit("aws-access-key", "AWS Access Key", "a.py", 1, AWS_KEY, "x"),
        Hit("secret-keyword", "Secret Keyword", "a.py", 1, "", "x", "ab" * 20),
        Hit("secret-keyword", "Secret Keyword", "a.py", 2, "other-value", "y"),
    ]
    merged = merge(own, detected)
    assert [(h.slug, h.line) for h in merged] == [
        ("aws-access-key", 1),
        ("secret-keyword", 2),
    ]


def test_finding_is_masked_and_fingerprinted() -> None:
    hit = Hit(
        "aws-access-key", "AWS Access Key", "conf/a.py", 3, AWS_KEY, f"k = '{AWS_KEY}'"
    )
    finding = to_finding(hit)
    assert AWS_KEY not in finding.model_dump_json()
    assert finding.type == "secret"
    assert finding.rule_id == "secrets.aws-access-key"
    assert finding.snippet == "k = 'AKIA****************'"
    assert finding.details == {
        "secret": "AKIA****************",
        "entropy": f"{shannon_entropy(AWS_KEY):.2f}",
        "fileName": "conf/a.py",
        "lineNumber": 3,
    }
    assert finding.fingerprint == secret_fingerprint(
        "secrets.aws-access-key", "conf/a.py", AWS_KEY
    )
    assert finding.category == "Hardcoded Credentials"
    assert finding.cwe == [798]


def test_not_a_baseline() -> None:
    with pytest.raises(EngineError, match="not a JSON baseline"):
        parse_detect_secrets({"results": []}, Path())
