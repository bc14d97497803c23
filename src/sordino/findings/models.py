"""Findings, their occurrences in scans, tags, comments and triage history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sordino.db import Base, utcnow
from sordino.scans.models import ID


class Finding(Base):
    """An issue in an app, identified across scans by its fingerprint."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("app_pk", "internal_id"),
        # (app_pk, id) bounds an app's findings in id order, so that joins
        # from a scan's occurrences never walk other apps' findings.
        Index("ix_findings_app_id", "app_pk", "id"),
        Index("ix_findings_org_type", "org_id", "type"),
        Index("ix_findings_app_severity", "app_pk", "severity"),
        Index("ix_findings_app_category", "app_pk", "category"),
        Index("ix_findings_app_assignee", "app_pk", "assignee"),
        Index("ix_findings_org_severity", "org_id", "severity"),
        Index("ix_findings_org_category", "org_id", "category"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.pk", ondelete="CASCADE"))
    internal_id: Mapped[str] = mapped_column(String(512))
    type: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16), default="low")
    cvss_score: Mapped[float] = mapped_column(default=0.0)
    category: Mapped[str] = mapped_column(String(255), default="")
    owasp_category: Mapped[str] = mapped_column(String(255), default="")
    owasp_2021_category: Mapped[str] = mapped_column(String(255), default="")
    cwe: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(64), default="")
    engine: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(32), default="", index=True)
    assignee: Mapped[str] = mapped_column(String(320), default="")
    file: Mapped[str] = mapped_column(String(2048), default="")
    line: Mapped[int] = mapped_column(default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dataflow: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remediation: Mapped[str] = mapped_column(Text, default="")
    fixes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reachable: Mapped[bool | None] = mapped_column(default=None)
    version_first_seen: Mapped[str] = mapped_column(String(255), default="")
    scan_first_seen: Mapped[int] = mapped_column(ID, default=0)
    scan_last_seen: Mapped[int] = mapped_column(ID, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Occurrence(Base):
    """That a finding was seen in a scan, and where."""

    __tablename__ = "occurrences"
    # (finding_id, scan_id) lets org-wide pages walk findings in id order and
    # test membership in the latest scans without touching the table.
    __table_args__ = (Index("ix_occurrences_finding", "finding_id", "scan_id"),)

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(default=0)
    regression: Mapped[bool] = mapped_column(default=False)


class FindingTag(Base):
    """One ``key=value`` tag of a finding, indexed for tag filters."""

    __tablename__ = "finding_tags"
    __table_args__ = (Index("ix_finding_tags_kv", "key", "value", "finding_id"),)

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024), primary_key=True)


class Comment(Base):
    """A comment on a finding, owned by the user whose token wrote it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(36))
    user_email: Mapped[str] = mapped_column(String(320), default="")
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TriageEvent(Base):
    """One recorded triage change: who, when, which field, old and new value."""

    __tablename__ = "triage_events"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), index=True
    )
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str] = mapped_column(String(1024), default="")
    new_value: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FindingsRevision(Base):
    """A counter bumped by every change to an app's findings or occurrences.

    Cached scan summaries remember the revision they were computed at; one
    that differs from the app's current revision is recomputed when read.
    """

    __tablename__ = "findings_revisions"

    app_pk: Mapped[int] = mapped_column(
        ForeignKey("apps.pk", ondelete="CASCADE"), primary_key=True
    )
    rev: Mapped[int] = mapped_column(BigInteger, default=0)


class ScanSummary(Base):
    """A scan's findings grouped by the columns counts and summaries need.

    ``groups`` holds rows of (type, severity, category, owasp_category,
    language, assignee, status, reachable, count); ``rev`` is the app's
    findings revision when they were counted.
    """

    __tablename__ = "scan_summaries"

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    app_pk: Mapped[int] = mapped_column(ForeignKey("apps.pk", ondelete="CASCADE"))
    rev: Mapped[int] = mapped_column(BigInteger, default=0)
    groups: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
