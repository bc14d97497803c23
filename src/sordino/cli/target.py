"""Where scans go: the embedded store, or a sordino server over HTTP."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Any

import httpx
import typer

from sordino.cli import profile
from sordino.config import get_settings
from sordino.db import Database
from sordino.ingest.bundle import ScanBundle
from sordino.orgs import service as orgs


class TargetError(Exception):
    """The scan could not be stored; the message says why and what to do.

    ``status`` is the server's HTTP status when it answered, None when it could
    not be reached.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def refused_input(self) -> bool:
        """True when the server answered that the request itself was at fault."""
        return self.status is not None and 400 <= self.status < 500


@dataclass
class Server:
    """A sordino server reached with a token."""

    url: str
    token: str
    org_id: str

    def client(self) -> httpx.Client:
        """An HTTP client for the server's API."""
        return httpx.Client(
            base_url=self.url.rstrip("/") + "/api/v4",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(600.0, connect=10.0),
        )

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the API and return ``response``, or raise TargetError."""
        try:
            with self.client() as client:
                reply = client.request(method, path.format(org=self.org_id), **kwargs)
        except httpx.HTTPError as exc:
            raise TargetError(f"cannot reach {self.url}: {exc}") from exc
        try:
            body = reply.json()
        except ValueError as exc:
            raise TargetError(
                f"{self.url} answered {reply.status_code}", reply.status_code
            ) from exc
        if reply.status_code != 200 or not body.get("ok"):
            problems = "; ".join(body.get("validation_errors") or [])
            message = body.get("message", f"HTTP {reply.status_code}")
            raise TargetError(
                f"{message}{': ' + problems if problems else ''}", reply.status_code
            )
        return body.get("response")

    def upload(
        self, app: str, kind: str, content: bytes | IO[bytes], **params: Any
    ) -> Any:
        """POST a report to the app's upload endpoint."""
        suffix = "" if kind == "bundle" else f"/{kind}"
        return self.send(
            "POST",
            f"/orgs/{{org}}/apps/{app}/scans{suffix}",
            content=content,
            params=params,
            headers={"content-type": "application/json"},
        )


def resolve(server: str | None, token: str | None) -> Server | None:
    """The server to talk to, or None for the embedded store."""
    url = server or os.environ.get("SORDINO_SERVER")
    if not url:
        return None
    saved = profile.load()
    token = token or os.environ.get("SORDINO_TOKEN") or (saved.token if saved else "")
    if not token:
        raise typer.BadParameter("a server needs a token: pass --token or run init")
    return Server(url=url, token=token, org_id=_org_from_token(token))


def _org_from_token(token: str) -> str:
    import jwt

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise typer.BadParameter("the token is not a sordino access token") from exc
    return str(claims.get("orgID", ""))


def embedded() -> tuple[Database, str]:
    """The embedded database and the org to write to (created when missing)."""
    settings = get_settings()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    saved = profile.load()
    with db.session() as session:
        if saved is not None:
            return db, saved.org_id
        org = orgs.first_org(session)
        if org is not None:
            return db, org.id
        made = orgs.create(
            session,
            name="default",
            email="admin@localhost",
            key=settings.signing_key(),
            issuer=settings.issuer,
        )
        return db, made.org.id


def store_embedded(bundle: ScanBundle) -> dict[str, Any]:
    """Ingest a bundle into the embedded store; return the upload summary."""
    from sordino.ingest.service import ingest
    from sordino.scans.uploads import summary

    db, org_id = embedded()
    with db.session() as session:
        return summary(ingest(session, org_id, bundle))


def read_scans_embedded(scan_ids: list[int]) -> list[dict[str, Any]]:
    """Scans of the embedded store with their counts, as the API reads them."""
    from sordino.apps.models import App
    from sordino.findings.summary import scan_summaries
    from sordino.scans import serialize
    from sordino.scans.models import Scan

    db, _ = embedded()
    with db.session() as session:
        counted = scan_summaries(session, scan_ids)
        found = []
        for scan_id in scan_ids:
            scan = session.get(Scan, scan_id)
            app = session.get(App, scan.app_pk) if scan is not None else None
            if scan is None or app is None:
                raise TargetError(f"no scan {scan_id} in the embedded store")
            found.append({**serialize.read(scan, app), **counted[scan_id]})
        return found
