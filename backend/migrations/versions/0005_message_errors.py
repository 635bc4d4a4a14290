"""Why an answer failed or was cut short, kept with it for whoever opens it later.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("error", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "error")
