"""advisory content digest

Revision ID: 0002
Revises: 0001

Advisories are re-imported when their content changes, not only when their
``modified`` time does: some exports (Go's among them) carry no real one.
Rows imported before this revision have an empty digest and are rewritten by
the next import that reads them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vulndb_advisories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("vulndb_advisories", schema=None) as batch_op:
        batch_op.drop_column("digest")
