"""What the local advisory database holds and how fresh it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sordino.vulndb.models import Advisory, VulnDbImport


@dataclass
class VulnDbStatus:
    """Advisory counts by ecosystem, the newest ``modified`` and the last import."""

    total: int = 0
    withdrawn: int = 0
    by_ecosystem: dict[str, int] = field(default_factory=dict)
    newest_modified: dt.datetime | None = None
    last_import: dt.datetime | None = None
    imports: int = 0

    @property
    def empty(self) -> bool:
        """Whether no advisory is loaded (matching would prove nothing)."""
        return self.total == 0


def status(session: Session) -> VulnDbStatus:
    """A summary of the loaded advisories."""
    counts = session.execute(
        select(Advisory.ecosystem, func.count()).group_by(Advisory.ecosystem)
    ).all()
    by_ecosystem = {str(e): int(n) for e, n in counts}
    withdrawn = session.scalar(
        select(func.count())
        .select_from(Advisory)
        .where(Advisory.withdrawn.is_not(None))
    )
    return VulnDbStatus(
        total=sum(by_ecosystem.values()),
        withdrawn=int(withdrawn or 0),
        by_ecosystem=dict(sorted(by_ecosystem.items())),
        newest_modified=session.scalar(select(func.max(Advisory.modified))),
        last_import=session.scalar(select(func.max(VulnDbImport.imported_at))),
        imports=int(
            session.scalar(select(func.count()).select_from(VulnDbImport)) or 0
        ),
    )
