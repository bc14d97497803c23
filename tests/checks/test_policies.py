"""Policy files: any text is a check configuration or a PolicyError, never a crash."""

from __future__ import annotations

import pytest

from sordino.checks.policies import PolicyError, parse


@pytest.mark.parametrize(
    "content",
    [
        "version: " + "[" * 5000 + "]" * 5000,
        '{"a":' + "[" * 5000 + "]" * 5000 + "}",
        "a:\n" + "".join(" " * depth + "- \n" for depth in range(3000)),
    ],
)
def test_deeply_nested_policy_is_a_policy_error(content: str) -> None:
    """YAML nested past the parser's recursion limit is refused, not a 500."""
    with pytest.raises(PolicyError):
        parse(content)


RULE = "version: 2\nrules:\n  - id: gate\n    threshold: 0\n    tags: {tags}\n"


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ("{severity: [critcal]}", "unknown severity 'critcal'"),
        ("{type: [vulns]}", "unknown type 'vulns'"),
        ("{status: [open]}", "unknown status 'open'"),
        ("{severity: []}", "lists no values"),
    ],
)
def test_a_misspelt_closed_value_is_refused(tags: str, problem: str) -> None:
    """A gate whose filter can match nothing would pass every build."""
    with pytest.raises(PolicyError) as raised:
        parse(RULE.format(tags=tags))
    assert any(problem in text for text in raised.value.problems), raised.value.problems


def test_a_gate_without_rules_is_refused() -> None:
    with pytest.raises(PolicyError) as raised:
        parse("version: 2\nrules: []\n")
    assert any("rules" in text for text in raised.value.problems)


def test_open_tag_keys_and_legacy_severities_are_accepted() -> None:
    config = parse(RULE.format(tags="{severity: [critical, moderate], cwe: ['89']}"))
    assert config.rules[0].tags["cwe"] == ["89"]
