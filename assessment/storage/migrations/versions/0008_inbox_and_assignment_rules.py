"""work reaches people: an inbox per account, assignment rules and installation settings

`notices`: one row per person told of an action (kind and params, rendered when read).
`assignment_rules`: region prefix / industry division → evaluator, for automatic assignment.
`settings`: installation settings an administrator changes in the app (`assignment.auto`).
All three are part of an export.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in assessment/storage/tables.py NOTICE_KINDS when this revision was written.
KINDS = (
    "pool_submitted",
    "assigned",
    "resubmitted",
    "returned",
    "approved",
    "rejected",
    "result_revoked",
    "certificate_issued",
    "certificate_revoked",
)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_settings_set_by_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "assignment_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_prefix", sa.String(length=6), nullable=False),
        sa.Column("industry_division", sa.String(length=2), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_assignment_rules_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["users.id"], name=op.f("fk_assignment_rules_evaluator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_rules")),
        sa.UniqueConstraint(
            "region_prefix",
            "industry_division",
            "evaluator_id",
            name=op.f("uq_assignment_rules_scope"),
        ),
    )
    op.create_index(
        op.f("ix_assignment_rules_evaluator_id"),
        "assignment_rules",
        ["evaluator_id"],
        unique=False,
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in KINDS)})", name=op.f("ck_notices_kind")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_notices_submission_id_submissions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_submission_id"), "notices", ["submission_id"], unique=False)
    op.create_index("ix_notices_user_unread", "notices", ["user_id", "read_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notices_user_unread", table_name="notices")
    op.drop_index(op.f("ix_notices_submission_id"), table_name="notices")
    op.drop_table("notices")
    op.drop_index(op.f("ix_assignment_rules_evaluator_id"), table_name="assignment_rules")
    op.drop_table("assignment_rules")
    op.drop_table("settings")
