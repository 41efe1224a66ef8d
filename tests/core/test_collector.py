"""Bulk work leaves what already exists out of garbage collections, and gives it back after."""

import gc
import weakref

import pytest

from medtek.core.collector import spared_from_collection


class Node:
    """A container the collector tracks, which can refer to itself."""

    other: "Node | None" = None


def test_what_exists_is_left_out_during_the_block_and_given_back_after() -> None:
    before = gc.get_freeze_count()
    held = [Node() for _ in range(1000)]

    with spared_from_collection():
        assert gc.get_freeze_count() >= before + len(held)

    assert gc.get_freeze_count() == before


def test_a_cycle_made_during_the_block_is_collected_as_usual() -> None:
    with spared_from_collection():
        node = Node()
        node.other = node  # a reference cycle: only the collector frees it
        gone = weakref.ref(node)
        del node
        gc.collect()
        assert gone() is None


def test_a_cycle_that_existed_before_is_collected_once_the_block_ends() -> None:
    node = Node()
    node.other = node
    gone = weakref.ref(node)
    del node
    with spared_from_collection():
        gc.collect()
        assert gone() is not None  # left out while the work runs

    gc.collect()
    assert gone() is None


def test_the_objects_are_given_back_when_the_work_fails() -> None:
    before = gc.get_freeze_count()

    with pytest.raises(RuntimeError), spared_from_collection():
        raise RuntimeError("the work failed")

    assert gc.get_freeze_count() == before
