"""The revision graph: validation, heads and bases, resolving specs, ancestry, order and ranges."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from distil.errors import GraphError, RevisionNotFound, UsageError
from distil.scripts.graph import RevisionGraph
from distil.scripts.header import RevisionHeader


def rev(
    revision: str,
    *down: str,
    labels: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
    name: str | None = None,
) -> RevisionHeader:
    return RevisionHeader(
        revision=revision,
        down_revisions=down,
        branch_labels=labels,
        depends_on=depends_on,
        message=f"message {revision}",
        path=Path("/versions") / (name or f"{revision}_step.py"),
        checksum="0" * 64,
        create_date=None,
    )


def ids(headers: tuple[RevisionHeader, ...]) -> list[str]:
    return [header.revision for header in headers]


@pytest.fixture
def branched() -> RevisionGraph:
    #        a1 -- b1 -- c1 (head)
    # a0 --<
    #        a2 -- m (merge of b1 and a2) -- n (head)
    return RevisionGraph(
        [
            rev("a0"),
            rev("a1", "a0"),
            rev("a2", "a0"),
            rev("b1", "a1"),
            rev("c1", "b1"),
            rev("m", "b1", "a2"),
            rev("n", "m"),
        ]
    )


def test_empty_graph_has_no_heads_or_bases() -> None:
    graph = RevisionGraph([])
    assert graph.heads() == ()
    assert graph.bases() == ()
    assert len(graph) == 0
    with pytest.raises(RevisionNotFound, match="no migrations yet"):
        graph.resolve("head")


def test_linear_history() -> None:
    graph = RevisionGraph([rev("c", "b"), rev("a"), rev("b", "a")])
    assert graph.heads() == ("c",)
    assert graph.bases() == ("a",)
    assert graph.children("a") == ("b",)
    assert graph.resolve("head") == "c"
    assert graph.topological() == ("a", "b", "c")
    assert list(graph.revisions) == ["a", "b", "c"]
    assert graph.get("b").down_revisions == ("a",)


def test_branches_and_merges(branched: RevisionGraph) -> None:
    assert branched.heads() == ("c1", "n")
    assert branched.bases() == ("a0",)
    assert branched.is_branch_point("a0")
    assert branched.is_branch_point("b1")
    assert not branched.is_branch_point("a1")
    assert branched.is_merge("m")
    assert not branched.is_merge("n")
    assert branched.children("b1") == ("c1", "m")
    assert branched.parents("m") == ("b1", "a2")


def test_several_heads_make_head_ambiguous(branched: RevisionGraph) -> None:
    with pytest.raises(GraphError, match="c1, n") as caught:
        branched.resolve("head")
    assert "distil merge" in str(caught.value)


def test_ancestors_and_descendants(branched: RevisionGraph) -> None:
    assert branched.ancestors("m") == {"m", "b1", "a1", "a2", "a0"}
    assert branched.ancestors("m", inclusive=False) == {"b1", "a1", "a2", "a0"}
    assert branched.descendants("a2") == {"a2", "m", "n"}
    assert branched.descendants("b1", inclusive=False) == {"c1", "m", "n"}


def test_topological_order_puts_parents_first_deterministically(
    branched: RevisionGraph,
) -> None:
    order = branched.topological()
    for revision in order:
        for parent in branched.parents(revision):
            assert order.index(parent) < order.index(revision)
    assert order == ("a0", "a1", "a2", "b1", "c1", "m", "n")
    shuffled = RevisionGraph(reversed(list(branched.revisions.values())))
    assert shuffled.topological() == order
    assert branched.topological(["n", "a1", "a0"]) == ("a0", "a1", "n")


def test_ties_are_broken_by_file_name() -> None:
    graph = RevisionGraph(
        [rev("root"), rev("zz", "root", name="001_z.py"), rev("aa", "root", name="002_a.py")]
    )
    assert graph.topological() == ("root", "zz", "aa")
    assert graph.heads() == ("zz", "aa")


def test_depends_on_orders_and_is_followed_by_ancestors() -> None:
    graph = RevisionGraph(
        [
            rev("x1", labels=("other",)),
            rev("x2", "x1"),
            rev("y1", name="0_y1.py"),
            rev("y2", "y1", depends_on=("x2",), name="0_y2.py"),
            rev("y3", "y2", depends_on=("other",)),
        ]
    )
    order = graph.topological()
    assert order.index("x2") < order.index("y2")
    assert graph.ancestors("y2") == {"y2", "y1", "x2", "x1"}
    assert graph.descendants("x2") == {"x2", "y2", "y3"}
    assert graph.dependencies("y3") == ("x1",)
    assert graph.heads() == ("x2", "y3")  # depends_on does not hide a head


def test_resolve_by_prefix_label_and_full_id() -> None:
    graph = RevisionGraph(
        [
            rev("3f2a9c1b7d4e"),
            rev("3f2b00000000", "3f2a9c1b7d4e", labels=("feature",)),
            rev("9b1c0e2d4a6f", "3f2b00000000"),
        ]
    )
    assert graph.resolve("3f2a9c1b7d4e") == "3f2a9c1b7d4e"
    assert graph.resolve("3f2a") == "3f2a9c1b7d4e"
    assert graph.resolve("9") == "9b1c0e2d4a6f"
    assert graph.resolve("feature") == "3f2b00000000"
    assert graph.resolve("feature@head") == "9b1c0e2d4a6f"
    assert graph.resolve("heads") == "9b1c0e2d4a6f"
    with pytest.raises(RevisionNotFound, match="ambiguous") as caught:
        graph.resolve("3f2")
    assert "3f2a9c1b7d4e" in str(caught.value) and "3f2b00000000" in str(caught.value)
    with pytest.raises(RevisionNotFound, match="distil history"):
        graph.resolve("abc")
    with pytest.raises(RevisionNotFound, match="not a revision"):
        graph.resolve("base")
    with pytest.raises(RevisionNotFound):
        graph.get("3f2a")


def test_duplicate_revision_names_both_files() -> None:
    with pytest.raises(GraphError) as caught:
        RevisionGraph([rev("a", name="one.py"), rev("a", name="two.py")])
    assert "one.py" in str(caught.value) and "two.py" in str(caught.value)


def test_missing_parent_names_file_and_id() -> None:
    with pytest.raises(GraphError) as caught:
        RevisionGraph([rev("a"), rev("b", "gone", name="b_file.py")])
    message = str(caught.value)
    assert "b_file.py" in message and "'gone'" in message


def test_unknown_depends_on_is_an_error() -> None:
    with pytest.raises(GraphError, match="depends_on 'nothing'"):
        RevisionGraph([rev("a"), rev("b", "a", depends_on=("nothing",))])


def test_cycle_names_its_revisions() -> None:
    with pytest.raises(GraphError, match="cycle") as caught:
        RevisionGraph([rev("root"), rev("a", "c"), rev("b", "a"), rev("c", "b"), rev("d", "c")])
    message = str(caught.value)
    assert all(revision in message for revision in ("a", "b", "c"))
    assert "root" not in message and "d_step" not in message


def test_cycle_through_depends_on_is_detected() -> None:
    with pytest.raises(GraphError, match="cycle"):
        RevisionGraph([rev("a", depends_on=("b",)), rev("b", "a")])


def test_duplicate_branch_label_and_label_shadowing_an_id_are_rejected() -> None:
    with pytest.raises(GraphError, match="two files"):
        RevisionGraph([rev("a", labels=("x",)), rev("b", "a", labels=("x",))])
    with pytest.raises(GraphError, match="also the id"):
        RevisionGraph([rev("a"), rev("b", "a", labels=("a",))])


def test_history_ranges_newest_first(branched: RevisionGraph) -> None:
    assert ids(branched.history()) == ["n", "m", "c1", "b1", "a2", "a1", "a0"]
    assert ids(branched.history(upper="m")) == ["m", "b1", "a2", "a1", "a0"]
    assert ids(branched.history(lower="a2")) == ["n", "m", "a2"]
    assert ids(branched.history(lower="a1", upper="m")) == ["m", "b1", "a1"]
    assert ids(branched.history(lower="base", upper="heads")) == ids(branched.history())
    assert ids(branched.history("b1", "b1")) == ["b1"]
    with pytest.raises(UsageError, match="not an ancestor"):
        branched.history(lower="c1", upper="a1")


def test_two_thousand_revision_chain_has_no_recursion_limit() -> None:
    count = 2_000
    assert count > sys.getrecursionlimit()
    headers = [
        rev(f"r{index:05d}", *([f"r{index - 1:05d}"] if index else [])) for index in range(count)
    ]
    graph = RevisionGraph(reversed(headers))
    assert graph.heads() == ("r01999",)
    assert graph.bases() == ("r00000",)
    assert len(graph.ancestors("r01999")) == count
    assert len(graph.descendants("r00000")) == count
    assert graph.topological()[:3] == ("r00000", "r00001", "r00002")
    assert len(graph.history("r00100", "r00199")) == 100


def test_long_cycle_is_reported_without_recursion() -> None:
    count = 3_000
    headers = [rev(f"r{index}", f"r{(index - 1) % count}") for index in range(count)]
    with pytest.raises(GraphError, match="cycle"):
        RevisionGraph(headers)


def test_graph_is_read_only(branched: RevisionGraph) -> None:
    with pytest.raises(TypeError):
        branched.revisions["x"] = rev("x")  # type: ignore[index]
    with pytest.raises(AttributeError):
        branched.extra = 1  # type: ignore[attr-defined]


def test_heads_among_an_applied_set(branched: RevisionGraph) -> None:
    assert branched.heads_among(["a0", "a1", "b1"]) == ("b1",)
    assert branched.heads_among(["a0", "a1", "a2", "b1"]) == ("a2", "b1")
    assert branched.heads_among(["a0", "a1", "a2", "b1", "m", "c1"]) == ("c1", "m")
    assert branched.heads_among([]) == ()
    assert branched.heads_among(["a0", "unknown"]) == ("a0",)


def test_heads_among_is_linear_on_a_long_chain() -> None:
    chain = [rev("r0")] + [rev(f"r{i}", f"r{i - 1}") for i in range(1, 3000)]
    graph = RevisionGraph(chain)
    assert graph.heads_among(f"r{i}" for i in range(3000)) == ("r2999",)
