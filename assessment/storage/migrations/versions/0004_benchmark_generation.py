"""benchmark generation counter, and the benchmark rows' numbers packed in one column

Reading a population of 25,000 rows takes most of a benchmark query. With the counter, raised
with every change of the rows, a process keeps the populations it has read and reads one again
only after a change; `benchmark_facts.vector` packs a row's numbers so a read fetches few columns.
Rows written before this revision have no vector: `zhizao benchmark --rebuild` (run by the app
and the command when it finds such rows) writes them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "benchmark_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])
    with op.batch_alter_table("benchmark_facts") as batch:
        batch.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("benchmark_facts") as batch:
        batch.drop_column("vector")
    op.drop_table("benchmark_generation")
