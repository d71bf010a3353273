"""Alembic environment: the app passes its connection in `config.attributes["connection"]`
(see assessment/storage/db.py `upgrade`); run by hand, it opens `DATABASE_URL` (default data/zhizao.sqlite).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from assessment.storage.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move tables instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    from assessment.storage.db import make_engine

    with make_engine().begin() as connection:
        _run(connection)
