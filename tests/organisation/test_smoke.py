from medtek.organisation.access import units_visible_to


def test_it_builds_the_personas(org):
    assert set(units_visible_to(org.outsider)) == {org.unit_b}
    assert set(units_visible_to(org.owner)) == {org.unit_a, org.unit_a_child}
    assert units_visible_to(org.auditor).count() == 6
