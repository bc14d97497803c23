"""``sordino analyze --remote``: send the source, let a server worker analyse it."""

from __future__ import annotations

import io
import tarfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from sordino.analysis.inventory import SKIP_DIRS
from sordino.cli.target import Server, TargetError

err = Console(stderr=True)
POLL_SECONDS = 2.0
WAIT_LIMIT_SECONDS = 3600.0


def pack(root: Path) -> bytes:
    """A gzipped tar of ``root`` without VCS metadata, dependencies or caches."""

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        if any(part in SKIP_DIRS for part in parts):
            return None
        return None if info.issym() or info.islnk() else info

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(root, arcname=".", filter=keep)
    return buffer.getvalue()


def analyze_remotely(
    target: Server,
    root: Path,
    app: str,
    version: str,
    branch: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    """Upload the tree, wait for the worker, and summarise the finished scan."""
    content = pack(root)
    err.print(f"uploading {len(content) / 1024:.0f} KiB of source to {target.url}")
    params = {
        "version": version,
        "branch": branch,
        "tag": [f"{k}={v}" for k, v in tags.items()],
    }
    try:
        queued = target.send(
            "POST",
            f"/orgs/{{org}}/apps/{app}/scans/source",
            content=content,
            params=params,
            headers={"content-type": "application/gzip"},
        )
        scan = wait(target, app, queued["scan"]["id"])
        findings = all_findings(target, app, scan["id"])
    except TargetError as exc:
        err.print(f"[red]remote analysis failed:[/] {exc}")
        raise typer.Exit(3) from exc
    if scan["status"] == "failed":
        err.print(
            f"[red]the worker could not analyse the source:[/] {scan['failures']}"
        )
        raise typer.Exit(2)
    return {"bundle_summary": summarize(findings), "failures": scan.get("failures", [])}


def wait(target: Server, app: str, scan_id: str) -> dict[str, Any]:
    """Poll the scan until a worker has finished it."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    with err.status(f"scan {scan_id} is queued for analysis") as status:
        while time.monotonic() < deadline:
            scan: dict[str, Any] = target.send(
                "GET", f"/orgs/{{org}}/apps/{app}/scans/{scan_id}"
            )
            if scan.get("status") in ("completed", "failed"):
                return scan
            status.update(f"scan {scan_id} is {scan.get('status', 'queued')}")
            time.sleep(POLL_SECONDS)
    raise TargetError(f"scan {scan_id} did not finish within an hour")


def all_findings(target: Server, app: str, scan_id: str) -> list[dict[str, Any]]:
    """Every finding of the scan, following the pages."""
    findings: list[dict[str, Any]] = []
    page = 1
    while True:
        response = target.send(
            "GET",
            f"/orgs/{{org}}/apps/{app}/findings",
            params={"scan": scan_id, "per_page": 250, "page": page, "status": "any"},
        )
        findings.extend(response.get("findings", []))
        if not response.get("has_more"):
            return findings
        page += 1


def summarize(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The same summary the local analysis prints."""
    severity = Counter(f"{f['type']}/{f['severity']}" for f in findings)
    category = Counter(f.get("category") or f["type"] for f in findings)
    return {
        "by_severity": dict(severity),
        "by_category": dict(category),
        "suppressed": sum(1 for f in findings if f.get("status") == "ignored"),
        "packages": sum(1 for f in findings if f["type"] == "package"),
    }
