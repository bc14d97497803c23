"""Packages (dependencies) found in a scan."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow
from sordino.scans.models import ID


class Package(Base):
    """A dependency of an app as one scan saw it."""

    __tablename__ = "packages"
    __table_args__ = (Index("ix_packages_scan", "scan_id", "purl"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    purl: Mapped[str] = mapped_column(String(2048))
    type: Mapped[str] = mapped_column(String(64), default="")
    namespace: Mapped[str] = mapped_column(String(512), default="")
    name: Mapped[str] = mapped_column(String(512))
    version: Mapped[str] = mapped_column(String(255), default="")
    license: Mapped[str] = mapped_column(String(512), default="")
    direct: Mapped[bool] = mapped_column(default=True)
    location: Mapped[str] = mapped_column(String(2048), default="")
    num_vulns: Mapped[int] = mapped_column(default=0)
    num_reachable: Mapped[int] = mapped_column(default=0)
    num_exploitable: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
