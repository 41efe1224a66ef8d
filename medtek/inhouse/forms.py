"""Forms parse and validate input for in-house files; the views pass cleaned data to services."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from medtek.core.widgets import DateInput
from medtek.devices.models import DeviceModel
from medtek.organisation.models import Unit

from .models import FILE_FIELDS, InhouseDevice


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
        if models is None:
            del self.fields["device_model"]
        else:
            self.fields["device_model"].queryset = models  # type: ignore[attr-defined]
