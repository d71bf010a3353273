"""submission activities: a year of energy data stored with a submission (carbon accounting)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_submission_activities_submission_id_submissions",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name="fk_submission_activities_updated_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission_activities"),
        sa.UniqueConstraint(
            "submission_id", "year", name="uq_submission_activities_submission_year"
        ),
    )
    op.create_index(
        "ix_submission_activities_submission_id",
        "submission_activities",
        ["submission_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_submission_activities_submission_id", table_name="submission_activities")
    op.drop_table("submission_activities")
