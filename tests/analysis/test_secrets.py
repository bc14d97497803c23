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


@pytest.mark.parametrize(
    "line",
    [
        "db = connect({ user: 'shop', password: dbPassword });",
        'password: "${DB_PASSWORD}"',
        'PASSWORD="$DB_PASSWORD"',
        'db_password = "{{vault_db_password}}"',
        'token = "%(api_token)s"',
        'password_env = "DB_PASSWORD_FILE"',
    ],
)
def test_own_keyword_pattern_skips_references(line: str) -> None:
    """A variable, placeholder or environment variable name is not the secret."""
    assert scan_text("a.js", line + "\n") == []


def test_own_keyword_pattern_takes_the_literal_only() -> None:
    [hit] = scan_text("a.js", "const db = { password: 'Pr0d-Db-Passw0rd', x: 1 };\n")
    assert hit.secret == "Pr0d-Db-Passw0rd"
    [quoted] = scan_text("a.py", "api_key = 'it\"s-a-s3cret'\n")
    assert quoted.secret == 'it"s-a-s3cret'


def _credential_match(
    line: int, col: int, end_col: int, value: dict[str, Any] | None
) -> dict[str, Any]:
    """A result of sordino.javascript.hardcoded-credentials on server.js."""
    metavars = {"$VALUE": value} if value is not None else {}
    return {
        "check_id": "sordino.javascript.hardcoded-credentials",
        "path": "server.js",
        "start": {"line": line, "col": col},
        "end": {"line": line, "col": end_col},
        "extra": {
            "message": "A password is written into the source code.",
            "lines": SERVER_JS.splitlines()[line - 1],
            "metavars": metavars,
            "metadata": {},
        },
    }


SERVER_JS = (
    "const dbPassword = 'Pr0d-Db-Passw0rd';\n"
    "const db = mysql.createConnection({ host: 'db', user: 'shop', "
    "password: dbPassword });\n"
)


def _at(line: int, col: int, end_col: int, content: str) -> dict[str, Any]:
    return {
        "start": {"line": line, "col": col},
        "end": {"line": line, "col": end_col},
        "abstract_content": content,
    }


def test_semgrep_credential_match_on_a_variable_is_dropped(tmp_path: Path) -> None:
    """semgrep propagates ``dbPassword``'s value into the object on line 2: the
    use is not a secret (it was shown as ``", ******"``), the assignment is."""
    from sordino.analysis.engines.semgrep import parse_output

    (tmp_path / "server.js").write_text(SERVER_JS)
    literal = _at(1, 21, 37, "Pr0d-Db-Passw0rd")
    results = [
        _credential_match(1, 1, 38, literal),
        _credential_match(2, 35, 85, literal),
    ]
    parsed = parse_output({"results": results, "errors": []}, tmp_path)
    [finding] = parsed.findings
    assert (finding.line, finding.details["secret"]) == (1, "Pr0d************")
    assert parsed.redactions == ["Pr0d-Db-Passw0rd"]


def test_semgrep_secret_without_metavariable_is_a_literal(tmp_path: Path) -> None:
    """Without a bound value the secret is a whole string literal of the match,
    never the text between two literals (``, user: ``)."""
    from sordino.analysis.engines.semgrep_secrets import matched_secret
    from sordino.analysis.engines.trace import SourceLines

    (tmp_path / "server.js").write_text(
        "connect({ host: 'db', user: 'shop', password: 'Xk9#mQ2vLp8zRt4w' });\n"
    )
    item = _credential_match(1, 9, 68, None)
    secret = matched_secret(item, SourceLines(tmp_path), "server.js")
    assert secret == "Xk9#mQ2vLp8zRt4w"
    (tmp_path / "server.js").write_text("connect({ host: 'db', user: 'shop', pw });\n")
    assert matched_secret(item, SourceLines(tmp_path), "server.js") == "shop"
