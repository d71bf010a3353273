"""Where everything is kept: the engine and transactions (db), the tables, the Alembic migrations
and the complete export/import of a database (transfer). Imports only SQLAlchemy/Alembic and
assessment.errors; every other room stores through it."""
