"""Forms parse and validate input for in-house files; the views pass cleaned data to services."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from medtek.core.widgets import DateInput
from medtek.devices.models import DeviceModel
from medtek.organisation.models import Unit

from .models import FILE_FIELDS, InhouseDevice, default_review_interval


class InhouseDeviceForm(forms.ModelForm):
    """The file's own data. The device model is chosen only when the file is opened."""

    class Meta:
        model = InhouseDevice
        fields = ["device_model", *FILE_FIELDS]
        widgets = {
            "based_on": forms.Textarea(attrs={"rows": 2}),
            "intended_purpose": forms.Textarea(attrs={"rows": 3}),
            "qms_reference": forms.Textarea(attrs={"rows": 2}),
            "justification": forms.Textarea(attrs={"rows": 4}),
            "market_search": forms.Textarea(attrs={"rows": 3}),
            "market_searched_on": DateInput(format="%Y-%m-%d"),
            "justification_review_due": DateInput(format="%Y-%m-%d"),
            "lab_compliance": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        models: QuerySet[DeviceModel] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manufacturer_unit"].queryset = units  # type: ignore[attr-defined]
        # The using unit: any unit of the region (its head signs); the model's clean() keeps it
        # within the manufacturing unit's care provider.
        self.fields["using_unit"].queryset = Unit.objects.order_by("path")  # type: ignore[attr-defined]
        self.fields["review_interval_months"].required = False
        if models is None:
            del self.fields["device_model"]
        else:
            self.fields["device_model"].queryset = models  # type: ignore[attr-defined]

    def clean_review_interval_months(self) -> int:
        value = self.cleaned_data.get("review_interval_months")
        return value if value is not None else default_review_interval()
