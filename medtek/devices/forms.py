"""Forms parse and validate input for the register; the views pass cleaned data to services.

The import framework validates every imported row with ``DeviceImportForm``, so a row is
accepted exactly when the same values typed into the UI would be.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from medtek.core.widgets import DateInput

from .models import (
    DEVICE_FIELDS,
    DEVICE_MODEL_FIELDS,
    Device,
    DeviceModel,
    DeviceStatus,
    Inspection,
    InspectionKind,
    InspectionPlan,
)


class DeviceModelForm(forms.ModelForm):
    class Meta:
        model = DeviceModel
        fields = list(DEVICE_MODEL_FIELDS)


_DATE_FIELDS = [
    "manufactured_on",
    "expires_on",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "acceptance_checked_on",
]


class DeviceForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=DeviceStatus.choices[:3], initial=DeviceStatus.IN_USE
    )

    class Meta:
        model = Device
        fields = list(DEVICE_FIELDS)
        widgets = {name: DateInput() for name in _DATE_FIELDS}

    def __init__(self, *args: Any, units: Any = None, models: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if models is not None:
            self.fields["model"].queryset = models  # type: ignore[attr-defined]
        if self.instance.pk:
            del self.fields["status"]


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=DeviceStatus.choices)
    effective_on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class InspectionPlanForm(forms.ModelForm):
    class Meta:
        model = InspectionPlan
        fields = ["kind", "interval_months", "last_done", "next_due", "responsible"]
        widgets = {"last_done": DateInput(), "next_due": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["next_due"].required = False
        self.fields["kind"].choices = InspectionKind.choices  # type: ignore[attr-defined]


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "performed_on",
            "visual_ok",
            "protective_earth_ohm",
            "insulation_mohm",
            "equipment_leakage_ua",
            "patient_leakage_ua",
            "functional_ok",
            "result",
            "notes",
        ]
        widgets = {
            "performed_on": DateInput(),
            "visual_ok": forms.NullBooleanSelect(),
            "functional_ok": forms.NullBooleanSelect(),
        }
