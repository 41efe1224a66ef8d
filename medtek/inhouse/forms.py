"""Forms parse and validate input for in-house files; the views pass cleaned data to services."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medtek.core.text import NOTE_LENGTH, REASON_LENGTH, TEXT_LENGTH
from medtek.core.widgets import DateInput, FastSelect
from medtek.devices.models import Device, DeviceModel
from medtek.organisation.models import Unit, User

from .models import (
    FILE_FIELDS,
    CorrectiveAction,
    FileDocument,
    InhouseDevice,
    Review,
    default_review_interval,
)


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
        # The laboratory's EN ISO 15189 compliance is a condition of the IVDR only: an MDR
        # file does not ask for it (unless it holds a statement from before).
        model = getattr(self.instance, "device_model", None) if self.instance.pk else None
        if (
            model is not None
            and self.instance.regulation == "MDR"
            and not self.instance.lab_compliance
        ):
            del self.fields["lab_compliance"]
        if models is None:
            del self.fields["device_model"]
        else:
            self.fields["device_model"].queryset = models  # type: ignore[attr-defined]

    def clean_review_interval_months(self) -> int:
        value = self.cleaned_data.get("review_interval_months")
        return value if value is not None else default_review_interval()


# The file's records ----------------------------------------------------------------------------


class DocumentAddForm(forms.Form):
    """A document of the technical file (MDR art. 5(5)(f)): its kind, title and content."""

    kind = forms.ChoiceField(label=_("Kind"), choices=FileDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    upload = forms.FileField(label=_("File"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_LENGTH,
    )


class DocumentVersionForm(forms.Form):
    """A new version of a document: the earlier one stays as it was."""

    upload = forms.FileField(label=_("File"))
    reason = forms.CharField(
        label=_("Why a new version"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    title = forms.CharField(
        label=_("New title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep the title."),
    )


class ReleaseForm(forms.Form):
    """The release of one unit (a registered device of the model) or one batch (MDR art.
    5(5)(g)). The record names the current version of every document."""

    device = forms.ModelChoiceField(
        label=_("Device (inventory number)"),
        queryset=Device.objects.none(),
        required=False,
        to_field_name="inventory_number",
        widget=FastSelect(),
    )
    batch = forms.CharField(label=_("Batch"), max_length=100, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    made_by = forms.ModelChoiceField(
        label=_("Made by"), queryset=User.objects.none(), widget=FastSelect()
    )
    made_on = forms.DateField(label=_("Made on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_LENGTH,
    )

    def __init__(
        self, *args: Any, devices: QuerySet[Device], people: QuerySet[User], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = devices  # type: ignore[attr-defined]
        self.fields["device"].label_from_instance = lambda d: d.inventory_number  # type: ignore[attr-defined]
        self.fields["made_by"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("device") and not (data.get("batch") or "").strip():
            raise forms.ValidationError(_("Name the device or the batch that was released."))
        return data


class ReviewForm(forms.Form):
    """A review of the experience from clinical use (MDR art. 5(5)(h))."""

    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DateInput())
    period_start = forms.DateField(label=_("Period from"), widget=DateInput())
    findings = forms.CharField(
        label=_("Findings"), max_length=TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
    units_made = forms.IntegerField(label=_("Units or batches made"), min_value=0, initial=0)
    incidents = forms.IntegerField(label=_("Incidents"), min_value=0, initial=0)
    complaints = forms.IntegerField(label=_("Complaints"), min_value=0, initial=0)


class CorrectiveActionForm(forms.Form):
    """A corrective action a review decided."""

    review = forms.ModelChoiceField(label=_("Review"), queryset=Review.objects.none())
    description = forms.CharField(
        label=_("Action"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), widget=FastSelect()
    )
    due_date = forms.DateField(label=_("Due"), widget=DateInput())

    def __init__(
        self, *args: Any, reviews: QuerySet[Review], people: QuerySet[User], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews  # type: ignore[attr-defined]
        self.fields["review"].label_from_instance = lambda r: r.reviewed_on.isoformat()  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


class _ActionForm(forms.Form):
    action = forms.ModelChoiceField(label=_("Action"), queryset=CorrectiveAction.objects.none())

    def __init__(self, *args: Any, actions: QuerySet[CorrectiveAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]
        self.fields["action"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.description[:80]} ({a.due_date:%Y-%m-%d})"
        )


class ActionDoneForm(_ActionForm):
    note = forms.CharField(
        label=_("What was done"), max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionVerifyForm(_ActionForm):
    verification = forms.CharField(
        label=_("How it was verified"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignForm(forms.Form):
    """A signature of the joint sign-off, in one of the capacities the person may sign."""

    capacity = forms.ChoiceField(label=_("Sign as"))
    statement = forms.CharField(
        label=_("Statement"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Leave empty for: the device is fit for its intended purpose and meets the "
            "conditions of art. 5(5)."
        ),
    )

    def __init__(self, *args: Any, capacities: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["capacity"].choices = capacities  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    """A move of the file's lifecycle; the service says what stands in its way."""

    target = forms.ChoiceField(widget=forms.HiddenInput())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_LENGTH,
    )

    def __init__(self, *args: Any, targets: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
