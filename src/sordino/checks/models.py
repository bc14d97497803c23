"""Stored check-analysis results and check-analysis policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow
from sordino.scans.models import ID


class CheckResult(Base):
    """The outcome of one check of a target scan against rules."""

    __tablename__ = "check_results"
    __table_args__ = (Index("ix_check_results_target", "target_scan_id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.pk", ondelete="CASCADE"))
    source_scan_id: Mapped[int | None] = mapped_column(
        ForeignKey("scans.id", ondelete="SET NULL"), default=None
    )
    target_scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE")
    )
    passed: Mapped[bool] = mapped_column(default=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CheckPolicy(Base):
    """A check-analysis policy file, stored once per content hash."""

    __tablename__ = "check_policies"
    __table_args__ = (UniqueConstraint("org_id", "content_hash"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CheckPolicyTag(Base):
    """``name:tag`` pointing at one stored policy file."""

    __tablename__ = "check_policy_tags"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
