"""certificates keep the signed PDF; organisations say whether they are demo data

`certificates.pdf`: the certificate file as issued, with its PDF signature (which holds a signing
time, so the file is stored rather than re-made on each export). Rows issued before have none and
are signed when exported.
`organisations.demo`: set for the demo firms `zhizao demo seed` creates, so that a demo key signs
only demo data and a real key never signs a demo firm's result. Existing demo firms are found by
their accounts' e-mail domain, which only the demo seed uses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in assessment/demo/seed.py DEMO_DOMAIN when this revision was written.
DEMO_DOMAIN = "demo.zhizao.invalid"


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        sa.text(
            "UPDATE organisations SET demo = :yes WHERE id IN "
            "(SELECT organisation_id FROM users WHERE email LIKE :pattern)"
        ).bindparams(yes=True, pattern=f"%@{DEMO_DOMAIN}")
    )


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("demo")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("pdf")
