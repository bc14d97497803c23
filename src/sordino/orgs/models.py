"""Organisations: the tenant boundary of every other record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow


def new_uuid() -> str:
    """A random UUID as a string, the form the API shows."""
    return str(uuid.uuid4())


class Org(Base):
    """An organisation; its id is a UUID string that tokens carry as ``orgID``."""

    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(255))
    configuration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
