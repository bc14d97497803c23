"""The scan as the API shows it."""

from __future__ import annotations

from typing import Any

from sordino.apps.models import App
from sordino.common import iso
from sordino.scans.models import Scan


def read(scan: Scan, app: App) -> dict[str, Any]:
    """A scan in the wire shape (without counts, which callers add)."""
    oss_failure = next(
        (f for f in scan.failures if f.get("engine") in ("lockfiles", "osv")), None
    )
    return {
        "id": str(scan.id),
        "app": app.app_id,
        "version": scan.version,
        "branch": scan.branch,
        "status": scan.status,
        "successful": scan.successful,
        "is_default_branch": bool(
            scan.branch and scan.branch == (app.default_branch or "")
        ),
        "started_at": iso(scan.started_at),
        "completed_at": iso(scan.completed_at or scan.started_at),
        "language": scan.language,
        "languages": list(scan.languages),
        "number_of_expressions": int(scan.stats.get("number_of_expressions", 0)),
        "tags": dict(scan.tags),
        "source": scan.source,
        "agent": scan.agent,
        "failures": list(scan.failures),
        "oss_info": {
            "enabled": True,
            "successful": oss_failure is None,
            "failure_reason": (oss_failure or {}).get("message", ""),
        },
    }
