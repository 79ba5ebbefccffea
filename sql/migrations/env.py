"""Alembic environment: online migrations only, one transaction per migration."""

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.attributes.get("database_url")
if not url:
    raise RuntimeError(
        "Run migrations through resources.database.upgrade_schema(url); "
        "the URL is not kept in alembic.ini because it may carry a password."
    )

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
