"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from huey.consumer import Consumer

from sordino import __version__
from sordino.api import errors, openapi
from sordino.api.inputs import TextCheck
from sordino.api.middleware import BodyLimit, RequestId
from sordino.config import Settings, get_settings
from sordino.db import Database
from sordino.logs import configure
from sordino.routers import ROUTERS
from sordino.scans.upload_routes import is_upload
from sordino.worker.queue import make_huey
from sordino.worker.tasks import Jobs

PREFIX = "/api/v4"
log = structlog.get_logger()


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """Build the API for ``settings``; migrations are applied before serving."""
    settings = settings or get_settings()
    configure(settings.log_format, settings.log_level)
    db = Database(settings.resolved_database_url)
    if migrate:
        db.upgrade()

    jobs = Jobs(make_huey(settings), db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        consumer = _in_process_consumer(settings, jobs)
        log.info(
            "server.started",
            database=db.engine.dialect.name,
            in_process_worker=consumer is not None,
        )
        yield
        if consumer is not None:
            consumer.stop(graceful=True)
        db.engine.dispose()

    app = FastAPI(
        title="sordino",
        version=__version__,
        description="Self-hosted application security, Qwiet API v4 compatible.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.signing_key = settings.signing_key()
    app.state.jobs = jobs
    errors.install(app)
    # Every route refuses parameters and JSON bodies no database could store.
    api = APIRouter(prefix=PREFIX, dependencies=[Depends(TextCheck(is_upload))])
    for router in ROUTERS:
        api.include_router(router)
    app.include_router(api)
    openapi.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        BodyLimit,
        max_json=settings.max_json_bytes,
        max_upload=settings.max_body_bytes,
        is_upload=is_upload,
    )
    app.add_middleware(RequestId)
    return app


def _in_process_consumer(settings: Settings, jobs: Jobs) -> Consumer | None:
    """Run background jobs inside the server unless separate workers are set up."""
    if settings.immediate_jobs or settings.queue_url or not settings.in_process_worker:
        return None
    consumer = jobs.huey.create_consumer(workers=1, worker_type="thread")
    consumer._set_signal_handlers = lambda: None  # the server owns the signals
    consumer.start()
    return consumer
