"""``create_all``'s table order in linear time.

SQLAlchemy orders the tables of ``MetaData.create_all`` with a topological sort that scans every
table not yet placed once per level of the dependency graph: quadratic in the depth of a chain of
foreign keys (a schema whose 10,000 tables each point at the one before spends most of a
``create_all`` there). ``linear_create_order`` swaps in, for the duration of one call, a sort
with the same result in O(tables + dependencies): the same levels, each in the given order, the
same ``CircularDependencyError`` (with every table on a cycle and every edge) when there is a
cycle, so SQLAlchemy's own handling of cycles (foreign keys moved to ``ALTER``) and of
``use_alter`` is unchanged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any


def level_sort(tuples: Collection[tuple[Any, Any]], allitems: Collection[Any]) -> Iterator[Any]:
    """``sqlalchemy.util.topological.sort``: ``allitems`` by levels of ``(parent, child)``
    dependencies (a parent outside ``allitems`` is ignored), each level in ``allitems``' order."""
    from sqlalchemy.exc import CircularDependencyError

    items = list(allitems)
    position = {item: index for index, item in enumerate(items)}
    parents: dict[Any, set[Any]] = {}
    for parent, child in tuples:
        parents.setdefault(child, set()).add(parent)
    children: dict[Any, list[Any]] = {}
    waiting = dict.fromkeys(items, 0)
    for child, of in parents.items():
        if child not in waiting:
            continue
        for parent in of:
            if parent in waiting:
                waiting[child] += 1
                children.setdefault(parent, []).append(child)
    level = [item for item in items if waiting[item] == 0]
    placed = 0
    while level:
        yield from level
        placed += len(level)
        following = []
        for item in level:
            for child in children.get(item, ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    following.append(child)
        level = sorted(following, key=position.__getitem__)
    if placed < len(waiting):
        edges = {(parent, child) for child, of in parents.items() for parent in of}
        raise CircularDependencyError("Circular dependency detected.", _on_cycles(edges), edges)


def _on_cycles(edges: set[tuple[Any, Any]]) -> set[Any]:
    """The nodes that lie on a cycle, as ``topological.find_cycles`` finds them: those of a
    strongly connected component of two or more, and those with an edge to themselves (Tarjan's
    algorithm, without recursion)."""
    following: dict[Any, list[Any]] = {}
    for parent, child in edges:
        following.setdefault(parent, []).append(child)
    found = {parent for parent, child in edges if parent is child}
    index: dict[Any, int] = {}
    low: dict[Any, int] = {}
    stack: list[Any] = []
    on_stack: set[Any] = set()
    for root in list(following):
        if root in index:
            continue
        work = [(root, iter(following.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, rest = work[-1]
            step = next(rest, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(following.get(step, ()))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member is node:
                        break
                if len(component) > 1:
                    found.update(component)
    return found


@contextmanager
def linear_create_order() -> Iterator[None]:
    """Within the block, ``create_all`` (and ``drop_all``) sort tables with ``level_sort``.

    Only SQLAlchemy's DDL module sees the change (its module-level name for the sorting
    module); with a SQLAlchemy that does not sort there, nothing is changed."""
    from sqlalchemy.sql import ddl

    original = getattr(ddl, "topological", None)
    if original is None or not hasattr(original, "sort"):
        yield
        return
    ddl.topological = SimpleNamespace(sort=level_sort)  # type: ignore[assignment]
    try:
        yield
    finally:
        ddl.topological = original
