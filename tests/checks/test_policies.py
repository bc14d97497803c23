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
