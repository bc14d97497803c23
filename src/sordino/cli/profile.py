"""The local profile that ``sordino init`` writes and the other commands read."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sordino.config import get_settings


@dataclass
class Profile:
    """Where the server is, which org, and the token to use."""

    org_id: str
    token: str
    server: str = ""


def path() -> Path:
    """The profile file, inside the data directory."""
    return get_settings().data_dir / "profile.json"


def load() -> Profile | None:
    """The saved profile, if there is one."""
    file = path()
    if not file.exists():
        return None
    data = json.loads(file.read_text())
    return Profile(
        org_id=data["org_id"], token=data["token"], server=data.get("server", "")
    )


def save(profile: Profile) -> Path:
    """Write the profile readable by its owner only."""
    file = path()
    file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(profile), handle, indent=2)
    return file
