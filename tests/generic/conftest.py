"""Fixtures of the generic tests: one record of every kind in unit A's subtree, and every URL of
the project filled in with them."""

import pytest

from . import records, routes


@pytest.fixture
def world(org) -> records.World:  # type: ignore[no-untyped-def]
    return records.build(org)


@pytest.fixture
def urls(world: records.World) -> list[routes.Url]:
    return routes.fill_all(world)
