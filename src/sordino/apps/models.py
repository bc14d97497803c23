"""Apps (projects), their groups and labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow
from sordino.orgs.models import new_uuid


class App(Base):
    """An application whose code sordino scans; ``app_id`` is the API's id."""

    __tablename__ = "apps"
    __table_args__ = (UniqueConstraint("org_id", "app_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    team_id: Mapped[str | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), default=None, index=True
    )
    compound_id: Mapped[str | None] = mapped_column(String(36), default=None)
    platform: Mapped[str | None] = mapped_column(String(64), default=None)
    default_branch: Mapped[str | None] = mapped_column(String(255), default=None)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AppGroup(Base):
    """A named, user-made group of apps."""

    __tablename__ = "app_groups"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))


class AppGroupMember(Base):
    """An app's membership of an app group."""

    __tablename__ = "app_group_members"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("app_groups.id", ondelete="CASCADE"), primary_key=True
    )
    app_pk: Mapped[int] = mapped_column(
        ForeignKey("apps.pk", ondelete="CASCADE"), primary_key=True
    )
