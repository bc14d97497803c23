"""Tables of the local OSV advisory database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow


class Advisory(Base):
    """One OSV advisory as it was imported."""

    __tablename__ = "vulndb_advisories"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(64), index=True, default="")
    modified: Mapped[dt.datetime] = mapped_column(index=True)
    published: Mapped[dt.datetime | None] = mapped_column(default=None)
    withdrawn: Mapped[dt.datetime | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    references: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    database_specific: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(1024), default="")
    # SHA-256 of the document as imported: what decides "unchanged".
    digest: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AffectedPackage(Base):
    """A package an advisory affects, looked up by ecosystem and normalized name."""

    __tablename__ = "vulndb_affected"
    __table_args__ = (Index("ix_vulndb_affected_lookup", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("vulndb_advisories.id", ondelete="CASCADE"), index=True
    )
    ecosystem: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    purl: Mapped[str] = mapped_column(String(1024), default="")
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    symbols: Mapped[list[str]] = mapped_column(JSON, default=list)
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)


class VulnDbImport(Base):
    """One run of ``import_path``: where from, when and what changed."""

    __tablename__ = "vulndb_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(1024))
    count: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
