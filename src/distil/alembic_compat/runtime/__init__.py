"""``alembic.runtime``: the migration context and the environment a migration sees."""


def __getattr__(name: str) -> object:
    from distil.alembic_compat.routing import submodule

    return submodule("alembic.runtime", name)
