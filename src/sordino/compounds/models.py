"""Compounds (multi-language apps) and the polyglot scans that group their scans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow
from sordino.orgs.models import new_uuid
from sordino.scans.models import ID


class Compound(Base):
    """A named group of member apps, one per analysis platform."""

    __tablename__ = "compounds"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PolyglotScan(Base):
    """One analysis of a whole compound: a member scan per platform."""

    __tablename__ = "polyglot_scans"
    __table_args__ = (Index("ix_polyglot_scans_compound", "compound_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    compound_id: Mapped[str] = mapped_column(
        ForeignKey("compounds.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="completed")
    version: Mapped[str] = mapped_column(String(255), default="")
    branch: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    agent: Mapped[str] = mapped_column(String(255), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failures: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
