"""Triage: status and assignee changes, comments, and proposed fixes.

Changes to many findings are all-or-nothing and use a fixed number of batched,
set-based statements; every change leaves a ``TriageEvent`` row (who, when,
old, new), copied from the findings by the database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from sordino.analysis.rules import load_rule_metadata
from sordino.apps.models import App
from sordino.common import iso, parse_id
from sordino.db import utcnow
from sordino.findings.cache import invalidate
from sordino.findings.models import Comment, Finding, TriageEvent
from sordino.findings.service import NotFoundError
from sordino.rbac.models import User

log = structlog.get_logger()
BATCH = 5000
_EVENT_COLUMNS = [
    "org_id",
    "finding_id",
    "user_id",
    "field",
    "old_value",
    "new_value",
    "created_at",
]

# Status values the API accepts, and what each one stores.
STATUS_VALUES = {
    "": "",
    "fixed": "fixed",
    "ignore": "ignored",
    "ignored": "ignored",
    "3rdparty": "3rdparty",
    "codeviolationfixed": "fixed",
    "codeviolationignore": "ignored",
    "codeviolationremovestatus": "",
}


class TriageError(ValueError):
    """A triage request that cannot be applied; ``problems`` name its fields."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Actor:
    """Who makes a triage change."""

    org_id: str
    user_id: str
    email: str


def stored_status(value: str) -> str:
    """The stored form of an API status value, or ``TriageError``."""
    key = value.strip().lower()
    if key not in STATUS_VALUES:
        allowed = ", ".join(repr(v) for v in STATUS_VALUES if v)
        raise TriageError(
            f"unknown status {value!r}", [f"status: expected blank or one of {allowed}"]
        )
    return STATUS_VALUES[key]


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _current(
    session: Session, app: App, ids: Sequence[int], column: Any
) -> dict[int, str]:
    """The current value of ``column`` for each of ``ids``; all must exist."""
    found: dict[int, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(Finding.id, column).where(
                Finding.app_pk == app.pk, Finding.id.in_(chunk)
            )
        )
        found.update((finding_id, value or "") for finding_id, value in rows.tuples())
    missing = sorted(set(ids) - set(found))
    if missing:
        names = ", ".join(str(i) for i in missing)
        raise NotFoundError(f"app {app.app_id!r} has no findings with ids {names}")
    return found


def _change(
    session: Session,
    actor: Actor,
    app: App,
    ids: Sequence[int],
    field: str,
    value: str,
) -> list[int]:
    """Set ``field`` on the findings; returns the ids whose value changed."""
    column = getattr(Finding, field)
    current = _current(session, app, ids, column)
    changed = sorted(i for i, old in current.items() if old != value)
    now = literal(utcnow(), TriageEvent.created_at.type)
    for chunk in _chunks(changed):
        # The history rows are copied from the findings before the update,
        # old value included: one set-based statement instead of n rows.
        history = select(
            literal(actor.org_id),
            Finding.id,
            literal(actor.user_id),
            literal(field),
            column,
            literal(value),
            now,
        ).where(Finding.id.in_(chunk))
        session.execute(insert(TriageEvent).from_select(_EVENT_COLUMNS, history))
        session.execute(
            update(Finding)
            .where(Finding.id.in_(chunk))
            .values({field: value})
            .execution_options(synchronize_session=False)
        )
    if changed:
        invalidate(session, app.pk)
    log.info("findings.triaged", app=app.app_id, field=field, changed=len(changed))
    return changed


def set_status(
    session: Session,
    actor: Actor,
    app: App,
    ids: Sequence[int],
    status: str,
    comment: str = "",
) -> list[int]:
    """Set the status of the findings (all exist, or nothing changes)."""
    changed = _change(session, actor, app, ids, "status", stored_status(status))
    if comment.strip():
        add_comments(session, actor, sorted(set(ids)), comment.strip())
    return changed


def set_assignee(
    session: Session, actor: Actor, app: App, ids: Sequence[int], assignee: str
) -> list[int]:
    """Assign the findings to ``assignee`` (an email; blank unassigns)."""
    email = assignee.strip()
    if email and ("@" not in email or len(email) > 320 or " " in email):
        raise TriageError(
            f"{assignee!r} is not an email address", ["assignee: expected an email"]
        )
    return _change(session, actor, app, ids, "assignee", email)


def add_comments(
    session: Session, actor: Actor, finding_ids: Sequence[int], text: str
) -> None:
    """The same comment on several findings, one set-based insert per batch."""
    columns = ["finding_id", "user_id", "user_email", "comment", "created_at"]
    now = literal(utcnow(), Comment.created_at.type)
    for chunk in _chunks(sorted(set(finding_ids))):
        rows = select(
            Finding.id,
            literal(actor.user_id),
            literal(actor.email),
            literal(text),
            now,
        ).where(Finding.id.in_(chunk))
        session.execute(insert(Comment).from_select(columns, rows))


def create_comment(
    session: Session, actor: Actor, finding: Finding, text: str
) -> Comment:
    """A new comment on ``finding`` owned by the actor."""
    comment = Comment(
        finding_id=finding.id,
        user_id=actor.user_id,
        user_email=actor.email,
        comment=text,
    )
    session.add(comment)
    session.flush()
    return comment


def comments(session: Session, finding: Finding) -> list[Comment]:
    """The finding's comments, oldest first."""
    return list(
        session.scalars(
            select(Comment)
            .where(Comment.finding_id == finding.id)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def get_comment(session: Session, finding: Finding, comment_id: str) -> Comment:
    """One comment of the finding, or ``NotFoundError``."""
    number = parse_id(comment_id)
    comment = session.get(Comment, number) if number is not None else None
    if comment is None or comment.finding_id != finding.id:
        raise NotFoundError(f"finding {finding.id} has no comment {comment_id!r}")
    return comment


def comment_read(
    session: Session, comment: Comment, *, app: App, org_id: str
) -> dict[str, Any]:
    """A comment in the wire shape, with its owner's email and name."""
    user = session.get(User, comment.user_id)
    return {
        "id": str(comment.id),
        "created_at": iso(comment.created_at),
        "app_id": app.app_id,
        "org_id": org_id,
        "finding_id": str(comment.finding_id),
        "owner": {
            "email": comment.user_email or (user.email if user else ""),
            "name": user.name if user else "",
        },
        "comment": comment.comment,
    }


def recommended_fix(finding: Finding) -> dict[str, str]:
    """The rule's remediation advice for the finding, or ``NotFoundError``."""
    meta = load_rule_metadata().get(finding.rule_id)
    advice = (meta.remediation if meta else "") or finding.remediation
    if not advice.strip():
        raise NotFoundError(f"no recommended fix for finding {finding.id}")
    notes = f"Advice of rule {finding.rule_id}" if finding.rule_id else ""
    return {"fix": advice.strip(), "fix_notes": notes}


def _fix_text(fix: dict[str, Any]) -> str:
    lines = [str(fix.get("description") or "Proposed change")]
    if fix.get("replacement"):
        where = f"{fix.get('file', '')}:{fix.get('line', '')}".strip(":")
        lines.append(f"Replace the code at {where} with:\n\n{fix['replacement']}")
    for change in fix.get("changes", []):
        for item in change.get("replacements", []):
            inserted = (item.get("insertedContent") or {}).get("text", "")
            lines.append(f"In {change.get('file', '')}: insert\n\n{inserted}")
    return "\n\n".join(lines)


def fix(finding: Finding, *, app: App) -> dict[str, Any]:
    """The engine-proposed fix of the finding, or ``NotFoundError``."""
    if not finding.fixes:
        raise NotFoundError(f"no fix was proposed for finding {finding.id}")
    return {
        "organization_id": finding.org_id,
        "project_id": app.app_id,
        "scan_id": finding.scan_last_seen,
        "sp_id": finding.internal_id,
        "status": finding.status or "unset",
        "fingerprint_hash": finding.internal_id.rsplit("/", 1)[-1],
        "finding_id": finding.id,
        "fix": "\n\n".join(_fix_text(f) for f in finding.fixes),
    }
