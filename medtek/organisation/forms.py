"""Forms parse and validate input; the views hand the cleaned data to the services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CareProvider, RoleGrant, Unit, User
from .roles import Role
from .services import PERSON_FIELDS, PROVIDER_FIELDS, UNIT_FIELDS


class CareProviderForm(forms.ModelForm):
    class Meta:
        model = CareProvider
        fields = list(PROVIDER_FIELDS)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = list(UNIT_FIELDS)

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].required = True


class PersonForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", *(f for f in PERSON_FIELDS if f != "is_active")]


class PersonEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = list(PERSON_FIELDS)


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


__all__ = [
    "CareProviderForm",
    "PersonEditForm",
    "PersonForm",
    "RevokeForm",
    "RoleGrant",
    "RoleGrantForm",
    "UnitForm",
]
