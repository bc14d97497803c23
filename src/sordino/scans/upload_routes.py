"""HTTP routes that receive scans: bundles, SARIF, CycloneDX and source archives."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from starlette.concurrency import run_in_threadpool

from sordino.api.deps import SessionDep, UploadScope
from sordino.api.envelope import ok
from sordino.api.errors import NotFound, ValidationFailed
from sordino.common import APP_ID_PATTERN, text_problem
from sordino.db import max_length
from sordino.rbac.access import Principal
from sordino.scans import serialize, uploads
from sordino.scans.models import Scan, ScanTag

router = APIRouter(tags=["scans"])
Uploader = Annotated[Principal, Depends(UploadScope("uploads:write"))]
UPLOAD_PATH = re.compile(
    r"/(apps|compounds/named)/[^/]+/scans(/sarif|/cyclonedx|/source)?$"
)


def is_upload(method: str, path: str) -> bool:
    """Whether a request is an upload (and so gets the larger body limit)."""
    return method == "POST" and bool(UPLOAD_PATH.search(path))


def _meta(request: Request) -> dict[str, Any]:
    """The scan's version, branch and tags, refused unless their columns hold them."""
    params = request.query_params
    problems = [
        f"{name}: {problem}"
        for name, column in (("version", Scan.version), ("branch", Scan.branch))
        if (problem := text_problem(params.get(name) or "", max_length(column)))
    ]
    tags: dict[str, str] = {}
    for item in params.getlist("tag") + params.getlist("tags"):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValidationFailed(
                "tags are written key=value", validation_errors=[f"tag: {item!r}"]
            )
        problems += _tag_problems(key, value)
        tags[key] = value
    if problems:
        raise ValidationFailed(
            "the scan's version, branch or tags cannot be stored",
            validation_errors=problems,
        )
    return {
        "version": params.get("version"),
        "branch": params.get("branch"),
        "tags": tags,
    }


def _tag_problems(key: str, value: str) -> list[str]:
    key_problem = text_problem(key, max_length(ScanTag.key))
    value_problem = text_problem(value, max_length(ScanTag.value))
    return [
        f"tag: a tag's {part} {problem}"
        for part, problem in (("key", key_problem), ("value", value_problem))
        if problem
    ]


async def _receive(
    request: Request, session: SessionDep, principal: Principal, app_id: str, kind: str
) -> dict[str, Any]:
    if not APP_ID_PATTERN.match(app_id):
        raise ValidationFailed(
            "invalid app id", validation_errors=[f"appID: {app_id!r}"]
        )
    meta = _meta(request)
    with await uploads.spool(request.stream()) as stream:
        try:
            result = await run_in_threadpool(
                uploads.receive,
                session,
                principal,
                stream,
                kind=kind,
                app_id=app_id,
                meta=meta,
            )
        except uploads.UploadError as exc:
            if exc.message.startswith("no app"):
                raise NotFound(exc.message) from exc
            where = f"{exc.location}: " if exc.location else ""
            raise ValidationFailed(
                f"the {kind} upload was refused",
                validation_errors=[where + exc.message],
            ) from exc
    return ok(uploads.summary(result))


@router.post("/orgs/{orgID}/apps/{appID}/scans")
async def upload_bundle(
    appID: str,  # noqa: N803 (the reference's path parameter name)
    request: Request,
    session: SessionDep,
    principal: Uploader,
) -> dict[str, Any]:
    """Store a sordino ScanBundle as a new scan of the app."""
    return await _receive(request, session, principal, appID, "bundle")


@router.post("/orgs/{orgID}/apps/{appID}/scans/sarif")
async def upload_sarif(
    appID: str,  # noqa: N803
    request: Request,
    session: SessionDep,
    principal: Uploader,
) -> dict[str, Any]:
    """Import a SARIF 2.1.0 report as a new scan of the app."""
    return await _receive(request, session, principal, appID, "sarif")


@router.post("/orgs/{orgID}/apps/{appID}/scans/cyclonedx")
async def upload_cyclonedx(
    appID: str,  # noqa: N803
    request: Request,
    session: SessionDep,
    principal: Uploader,
) -> dict[str, Any]:
    """Import a CycloneDX SBOM or VEX document as a new scan of the app."""
    return await _receive(request, session, principal, appID, "cyclonedx")


@router.post("/orgs/{orgID}/apps/{appID}/scans/source")
async def upload_source(
    appID: str,  # noqa: N803
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: Uploader,
) -> dict[str, Any]:
    """Queue server-side analysis of a source archive (tar, optionally gzipped)."""
    if not APP_ID_PATTERN.match(appID):
        raise ValidationFailed(
            "invalid app id", validation_errors=[f"appID: {appID!r}"]
        )
    meta = _meta(request)
    content = await request.body()
    try:
        scan, app = await run_in_threadpool(
            uploads.queue_source, session, principal, appID, content, meta
        )
    except uploads.UploadError as exc:
        raise ValidationFailed(
            "the source upload was refused", validation_errors=[exc.message]
        ) from exc
    background.add_task(request.app.state.jobs.enqueue_analysis, scan.id)
    return ok({"scan": serialize.read(scan, app)})
