"""benchmark facts: one denormalised row per approved or self-assessed submission

The benchmark reads a whole standard edition and year at once; this table holds what it needs
(classification, totals, domain scores, carbon intensity) so that a cohort is one indexed scan,
with no JSON to parse. Rows are derived from the submissions and written with them; an existing
database is filled by `zhizao benchmark --rebuild` (the app, when it opens the database, and the command do it by themselves).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "benchmark_facts",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.String(length=64), nullable=False),
        sa.Column("edition", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("size_class", sa.String(length=16), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("maturity_score", sa.Float(), nullable=True),
        sa.Column("tier_rank", sa.Integer(), nullable=True),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("domain_ids", sa.Text(), nullable=False),
        sa.Column("domain_values", sa.LargeBinary(), nullable=False),
        sa.Column("carbon_year", sa.Integer(), nullable=True),
        sa.Column("carbon_l", sa.Float(), nullable=True),
        sa.Column("tco2", sa.Float(), nullable=True),
        sa.Column("value_added", sa.Float(), nullable=True),
        sa.CheckConstraint("basis IN ('approved', 'self')", name=op.f("ck_benchmark_facts_basis")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_benchmark_facts_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_benchmark_facts_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_benchmark_facts")),
    )
    op.create_index(
        op.f("ix_benchmark_facts_organisation_id"),
        "benchmark_facts",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        "ix_benchmark_facts_population",
        "benchmark_facts",
        ["standard_id", "edition", "year", "counted"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_benchmark_facts_population", table_name="benchmark_facts")
    op.drop_index(op.f("ix_benchmark_facts_organisation_id"), table_name="benchmark_facts")
    op.drop_table("benchmark_facts")
