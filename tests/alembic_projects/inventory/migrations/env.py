from __future__ import with_statement

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
fileConfig(config.config_file_name)

target_metadata = None


def get_url():
    return os.environ.get("INVENTORY_DB", config.get_main_option("sqlalchemy.url"))


def include_object(object, name, type_, reflected, compare_to):
    # scratch tables made by the import jobs are not part of the schema
    if type_ == "table" and name.startswith("tmp_"):
        return False
    return True


def run_migrations_offline():
    context.configure(
        url=get_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = create_engine(get_url(), poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
