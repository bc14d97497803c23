"""Scans: one analysis of one version of an app, and its scan tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow

ID = BigInteger().with_variant(Integer, "sqlite")


class Scan(Base):
    """A scan of an app; findings link to it through occurrences."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_app_completed", "app_pk", "id"),
        Index("ix_scans_app_version", "app_pk", "version"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.pk", ondelete="CASCADE"))
    polyglot_scan_id: Mapped[int | None] = mapped_column(ID, default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    version: Mapped[str] = mapped_column(String(255), default="")
    branch: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(64), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(32), default="sordino")
    agent: Mapped[str] = mapped_column(String(255), default="")
    successful: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScanTag(Base):
    """One ``key=value`` tag of a scan, kept as rows for indexed selection."""

    __tablename__ = "scan_tags"
    __table_args__ = (Index("ix_scan_tags_kv", "key", "value"),)

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024), primary_key=True)


class SourceArchive(Base):
    """A source archive uploaded for server-side analysis, kept until analysed.

    It lives in the database so that any worker machine can fetch it.
    """

    __tablename__ = "source_archives"

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
