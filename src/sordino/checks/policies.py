"""Check-analysis policies: YAML files stored by content hash, named by tags.

A policy is uploaded under a name; each of its tags (``v1``, ``latest``...)
points at one stored file, so ``name:tag`` resolves to exactly one content.
With the default versioning, an upload of new content gets the next ``vN``
tag and moves ``latest``; uploading the same content again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import structlog
import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sordino.checks.models import CheckPolicy, CheckPolicyTag
from sordino.checks.schemas import CheckConfig

log = structlog.get_logger()
LATEST = "latest"
MAX_SIZE = 256 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_VERSION = re.compile(r"^v(\d+)$")


class PolicyError(ValueError):
    """A policy upload or reference that cannot be accepted."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class PolicyNotFound(LookupError):
    """No policy answers to the reference."""


def parse(content: str) -> CheckConfig:
    """The check configuration a policy file holds; PolicyError if it is not one."""
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise PolicyError("the policy is not valid YAML", [str(exc)]) from exc
    except RecursionError as exc:
        raise PolicyError("the policy is nested too deeply to be read") from exc
    if not isinstance(data, dict):
        raise PolicyError("the policy must be a YAML mapping with version and rules")
    try:
        return CheckConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise PolicyError(
            "the policy is not a valid check configuration", problems
        ) from exc


def split_reference(reference: str) -> tuple[str, str]:
    """``name:tag`` as its two parts (``latest`` when no tag is given)."""
    name, _, tag = reference.partition(":")
    if not _NAME.match(name) or (tag and not _NAME.match(tag)):
        raise PolicyError(f"{reference!r} is not a valid policy reference")
    return name, tag or LATEST


def _tags_of(session: Session, org_id: str, name: str) -> list[CheckPolicyTag]:
    return list(
        session.scalars(
            select(CheckPolicyTag).where(
                CheckPolicyTag.org_id == org_id, CheckPolicyTag.name == name
            )
        )
    )


def _next_version(existing: list[CheckPolicyTag], digest: str) -> str | None:
    numbers = []
    for row in existing:
        match = _VERSION.match(row.tag)
        if match:
            if row.content_hash == digest:
                return None
            numbers.append(int(match.group(1)))
    return f"v{max(numbers, default=0) + 1}"


def _order(tag: str) -> tuple[int, int, str]:
    match = _VERSION.match(tag)
    if match:
        return (0, int(match.group(1)), tag)
    return (2 if tag == LATEST else 1, 0, tag)


def _point(session: Session, org_id: str, name: str, tag: str, digest: str) -> None:
    row = session.get(CheckPolicyTag, (org_id, name, tag))
    if row is None:
        session.add(
            CheckPolicyTag(org_id=org_id, name=name, tag=tag, content_hash=digest)
        )
    else:
        row.content_hash = digest


def upload(
    session: Session,
    org_id: str,
    reference: str,
    content: str,
    tags: list[str],
    *,
    use_defaults: bool,
) -> dict[str, Any]:
    """Store a policy and tag it; returns its hash and every tag it now has."""
    if len(content.encode()) > MAX_SIZE:
        raise PolicyError(f"the policy is larger than {MAX_SIZE} bytes")
    name, explicit = reference.partition(":")[0], [t for t in tags if t]
    split_reference(name)
    for tag in explicit:
        split_reference(f"{name}:{tag}")
    parse(content)
    digest = hashlib.sha256(content.encode()).hexdigest()
    if (
        session.scalar(
            select(CheckPolicy.id).where(
                CheckPolicy.org_id == org_id, CheckPolicy.content_hash == digest
            )
        )
        is None
    ):
        session.add(CheckPolicy(org_id=org_id, content_hash=digest, content=content))
    existing = _tags_of(session, org_id, name)
    wanted = list(explicit)
    if use_defaults or not explicit:
        version = _next_version(existing, digest)
        wanted += [version] if version else []
        wanted.append(LATEST)
    for tag in dict.fromkeys(wanted):
        _point(session, org_id, name, tag, digest)
    session.flush()
    now = [r.tag for r in _tags_of(session, org_id, name) if r.content_hash == digest]
    log.info("policy.uploaded", org=org_id, name=name, hash=digest, tags=now)
    return {"contentHash": digest, "tags": sorted(now, key=_order)}


def resolve(session: Session, org_id: str, reference: str) -> str:
    """The YAML text that ``name:tag`` points at."""
    name, tag = split_reference(reference)
    row = session.get(CheckPolicyTag, (org_id, name, tag))
    if row is None:
        raise PolicyNotFound(f"no policy {name}:{tag}")
    content = session.scalar(
        select(CheckPolicy.content).where(
            CheckPolicy.org_id == org_id, CheckPolicy.content_hash == row.content_hash
        )
    )
    if content is None:
        raise PolicyNotFound(f"no policy {name}:{tag}")
    return content


def list_policies(
    session: Session, org_id: str, names: list[str]
) -> list[dict[str, Any]]:
    """Stored policies with the ``name`` and tags that point at each."""
    query = select(CheckPolicyTag).where(CheckPolicyTag.org_id == org_id)
    if names:
        query = query.where(CheckPolicyTag.name.in_(names))
    grouped: dict[str, dict[str, list[str]]] = {}
    for row in session.scalars(query.order_by(CheckPolicyTag.name)):
        grouped.setdefault(row.content_hash, {}).setdefault(row.name, []).append(
            row.tag
        )
    return [
        {
            "contentHash": digest,
            "tags": [
                {"name": name, "tags": sorted(tags, key=_order)}
                for name, tags in by_name.items()
            ],
        }
        for digest, by_name in sorted(grouped.items())
    ]
