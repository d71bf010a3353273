"""drafts that moved to a newer edition list the items to re-read; values administrators set

`submissions.reread_items`: the items whose options changed meaning when a draft was moved to a
newer edition of its standard (null: never moved). `configured_values`: values an administrator
set for parameters a standard leaves NOT FOUND, with their source (append-only history).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("reread_items", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "configured_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.String(length=64), nullable=False),
        sa.Column("edition", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "label IN ('OFFICIAL', 'NEWS', 'THIRD-PARTY', 'UNVERIFIED', 'INFERRED')",
            name=op.f("ck_configured_values_label"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["users.id"], name=op.f("fk_configured_values_set_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_configured_values")),
    )
    op.create_index(
        "ix_configured_values_standard", "configured_values", ["standard_id", "edition"]
    )


def downgrade() -> None:
    op.drop_index("ix_configured_values_standard", table_name="configured_values")
    op.drop_table("configured_values")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("reread_items")
