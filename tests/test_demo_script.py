"""scripts/demo.sh: the app it analyses is the app it then reads back."""

from __future__ import annotations

import re
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "scripts" / "demo.sh"


def _command(text: str, start: str) -> str:
    """The shell command beginning with ``start``, continuation lines joined."""
    match = re.search(rf"^{re.escape(start)}(?:[^\n]*\\\n)*[^\n]*$", text, re.M)
    assert match is not None, start
    return match.group(0).replace("\\\n", " ")


def test_demo_stores_the_sample_as_the_app_it_queries() -> None:
    """The sample spans several platforms; without --no-compound it becomes a
    compound of per-platform apps and ``findings --app vulnerable-app`` 404s."""
    text = DEMO.read_text()
    analyze = _command(text, "sordino analyze")
    assert "--app vulnerable-app" in analyze
    assert "--no-compound" in analyze
    assert "--app vulnerable-app" in _command(text, "sordino findings")
    assert "/apps/vulnerable-app/findings?" in text


def test_demo_does_not_truncate_json_under_pipefail() -> None:
    """``| head`` cut the finding off after the scan counts and, under
    ``set -o pipefail``, failed the script before its closing instructions."""
    text = DEMO.read_text()
    assert "set -euo pipefail" in text
    assert "| head" not in text
    assert '["response"]["findings"][0]' in text
