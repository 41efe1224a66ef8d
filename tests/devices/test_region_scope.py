"""A role on the region covers every unit (design.md, Access): such a user's device list carries no
condition per row, and everyone else's still does (issue 14, counts without the unit join)."""

import pytest

from medtek.devices.access import devices_visible_to
from medtek.organisation.access import (
    forget_grants,
    grants_of,
    holds_role_on_region,
    unit_ids_visible_to,
)
from medtek.organisation.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_role_on_the_region_is_known_from_the_grants_without_a_query(
    org, django_assert_num_queries
) -> None:
    with django_assert_num_queries(2):  # each person's grants, and with them the region's roles
        assert holds_role_on_region(org.auditor)
        assert holds_role_on_region(org.admin)
    assert grants_of(org.auditor).region_roles == {Role.AUDITOR}
    for person in (org.owner, org.colleague, org.outsider, org.private_staff):
        assert not holds_role_on_region(person)
        assert grants_of(person).region_roles == frozenset()


def test_the_region_wide_device_list_has_no_condition_and_a_unit_list_keeps_its_own(
    org, make_device
) -> None:
    mine = make_device(org.unit_a, "A-1")
    theirs = make_device(org.unit_b, "B-1")
    region_wide = devices_visible_to(org.auditor)
    assert "WHERE" not in str(region_wide.query)  # no join to the unit tree, nothing per row
    assert set(region_wide) == {mine, theirs}
    scoped = devices_visible_to(org.owner)
    # By the ids of the owner's units (unit A and its child), not a join on the units' paths.
    assert f'"unit_id" IN ({org.unit_a.pk}, {org.unit_a_child.pk})' in str(scoped.query)
    assert list(scoped) == [mine]
    assert list(devices_visible_to(org.outsider)) == [theirs]


def test_a_revoked_role_on_the_region_no_longer_covers_everything(org, make_device) -> None:
    make_device(org.unit_b, "B-1")
    grant = org.auditor.grants.get()
    grant.revoked_at = grant.granted_at
    grant.save()
    forget_grants(org.auditor)
    assert not holds_role_on_region(org.auditor)
    assert list(devices_visible_to(org.auditor)) == []


def test_a_scoped_users_unit_ids_are_read_once_and_forgotten_with_the_grants(
    org, django_assert_num_queries
) -> None:
    with django_assert_num_queries(2):  # the grants, then the units below them
        assert sorted(unit_ids_visible_to(org.owner)) == sorted(
            [org.unit_a.pk, org.unit_a_child.pk]
        )
        unit_ids_visible_to(org.owner)
    new = factories.unit(name="Ny under A", parent=org.unit_a, provider=org.region_provider)
    forget_grants(org.owner)
    assert new.pk in unit_ids_visible_to(org.owner)
    assert unit_ids_visible_to(org.outsider) == [org.unit_b.pk]
