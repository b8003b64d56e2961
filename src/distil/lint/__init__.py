"""``distil lint``: judges a migration's operations, not its text.

Each migration's ``upgrade()`` runs against a recording context (no database, no connection), the
operations it calls are collected with the line that called them, and rule families turn them
into findings. Public entry points live in ``distil.commands.lint``.
"""
