"""``FastSelect`` renders exactly what Django's select templates render, only faster."""

from typing import Any

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from medtek.core.widgets import FastSelect

CHOICES = [
    ("", "---------"),
    (1, "Philips IntelliVue MX450"),
    (2, 'B. Braun "Perfusor" <Space> & co'),
    ("3", "Intensivvårdsavdelningen – IVA"),
    ("a&b", mark_safe("<b>already safe</b>")),
    ("lazy", gettext_lazy("Overdue")),
]


@pytest.mark.parametrize("value", [None, "", 1, "2", "3", "a&b", "missing"])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "form-select", "id": "id_model"},
        {"class": "form-select is-invalid", "aria-invalid": "true", "required": True},
        {"disabled": False, "data-x": 'q"uote', "data-none": None},
    ],
)
def test_it_renders_what_the_select_templates_render(value: Any, attrs: Any) -> None:
    fast = FastSelect(choices=CHOICES).render("model", value, attrs=attrs)

    assert fast == forms.Select(choices=CHOICES).render("model", value, attrs=attrs)


def test_option_groups_fall_back_to_the_templates() -> None:
    grouped = [("Pumps", [(1, "Perfusor"), (2, "Infusomat")]), (3, "Monitor")]

    fast = FastSelect(choices=grouped).render("model", 2)

    assert fast == forms.Select(choices=grouped).render("model", 2)
    assert "<optgroup" in fast
