"""The routing window: inside it ``alembic`` is distil's layer, outside it nothing changed."""

from __future__ import annotations

import importlib
import sys

import pytest

from distil.alembic_compat.routing import alembic_imports, routing_active


def alembic_modules() -> dict[str, object]:
    return {n: m for n, m in sys.modules.items() if n == "alembic" or n.startswith("alembic.")}


def test_inside_the_window_alembic_is_distil_and_afterwards_it_is_back() -> None:
    import alembic
    import alembic.op

    before = alembic_modules()
    with alembic_imports():
        assert routing_active()
        inside = importlib.import_module("alembic")
        from alembic import context, op
        from alembic.operations import Operations

        assert inside.__name__ == "distil.alembic_compat"
        assert op.__name__ == "distil.alembic_compat.op"
        assert context.__name__ == "distil.alembic_compat.context"
        assert Operations.__module__ == "distil.alembic_compat.operations.base"
        with alembic_imports():  # nested: still routed, and leaving it keeps the outer window
            assert importlib.import_module("alembic.op") is op
        assert importlib.import_module("alembic") is inside
    assert not routing_active()
    assert alembic_modules() == before
    assert importlib.import_module("alembic") is alembic
    assert importlib.import_module("alembic.op") is alembic.op


def test_what_the_layer_lacks_comes_from_the_installed_alembic_inside_the_window() -> None:
    before = alembic_modules()
    with alembic_imports():
        from alembic.util import CommandError

        assert CommandError.__module__ == "alembic.util.exc"
        assert sys.modules["alembic"].__name__ == "distil.alembic_compat"
    assert alembic_modules() == before


def test_op_names_an_unsupported_operation() -> None:
    with alembic_imports():
        from alembic import op

        with pytest.raises(AttributeError, match="`op.run_async` is not supported"):
            op.run_async  # noqa: B018


def test_an_import_finder_that_refuses_alembic_is_obeyed_for_what_the_layer_lacks() -> None:
    import importlib.abc

    class RefuseAlembic(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
            if name == "alembic" or name.startswith("alembic."):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    refuse = RefuseAlembic()
    sys.meta_path.insert(0, refuse)
    try:
        with alembic_imports():
            from alembic import op

            assert op.__name__ == "distil.alembic_compat.op"
            with pytest.raises(ImportError, match="does not provide the module 'alembic.util'"):
                importlib.import_module("alembic.util")
    finally:
        sys.meta_path.remove(refuse)
