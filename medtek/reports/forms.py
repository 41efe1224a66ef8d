"""Forms parse and validate input for reports to the authorities; the views hand the cleaned data
to the services, which decide (rights, four eyes, personal numbers, dates)."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from medtek.core.text import TEXT_LENGTH
from medtek.core.widgets import DateInput, FastSelect
from medtek.devices.access import device_models_visible_to, devices_visible_to
from medtek.organisation.access import grants_of, people_visible_to
from medtek.registry.access import cases_visible_to
from medtek.registry.forms import MultipleFileField
from medtek.registry.models import Case

from . import access
from .models import FREE_TEXT_FIELDS, REPORT_FIELDS, Dispatch, Report, ReportKind

#: The draft form's parts, in order: a legend and the fields under it.
FIELDSETS: tuple[tuple[str | Promise, tuple[str, ...]], ...] = (
    (_("The report"), ("kind", "unit", "case", "related_report")),
    (
        _("The event"),
        (
            "event_date",
            "awareness_date",
            "planned_use_date",
            "description",
            "outcome",
            "outcome_possible",
            "unexpected",
            "public_health_threat",
            "care_injury",
            "care_injury_possible",
            "consequence",
            "actions_taken",
        ),
    ),
    (
        _("The device"),
        (
            "device",
            "device_model",
            "manufacturer",
            "trade_name",
            "model_version",
            "catalogue_number",
            "udi_di",
            "serial_or_lot",
            "software_version",
            "device_location",
            "manufacturer_contact",
        ),
    ),
    (_("Contact for the authority"), ("contact_person", "contact_phone", "contact_email")),
)

_TEXTAREAS = {"description": 5, "consequence": 3, "actions_taken": 3}


@dataclass
class Fieldset:
    """Part of a form, shaped as ``includes/form_fields.html`` reads a form."""

    legend: str | Promise
    fields: list[BoundField]

    def visible_fields(self) -> list[BoundField]:
        return self.fields

    def hidden_fields(self) -> list[BoundField]:
        return []

    def non_field_errors(self) -> list[str]:
        return []


def drafting_kinds(user: Any) -> list[int]:
    """The ids of the kinds in use that ``user`` drafts somewhere (the service checks the unit)."""
    grants = grants_of(user)
    roles = grants.roles()
    return [
        k.pk
        for k in ReportKind.objects.filter(active=True)
        if grants.superuser or roles & set(k.drafter_roles)
    ]


class ReportForm(forms.ModelForm):
    """A draft: what the drafter gives (``REPORT_FIELDS``), and on a new one its kind.

    The check for personal numbers in the free text is the service's; when it finds one, the
    form offers the confirmation that the numbers there are not personal numbers.
    """

    class Meta:
        model = Report
        fields = ["kind", *REPORT_FIELDS]
        widgets = {
            "event_date": DateInput(),
            "awareness_date": DateInput(),
            "planned_use_date": DateInput(),
            **{name: forms.Textarea(attrs={"rows": rows}) for name, rows in _TEXTAREAS.items()},
            **{
                name: FastSelect()
                for name in (
                    "kind",
                    "unit",
                    "case",
                    "related_report",
                    "device_model",
                    "contact_person",
                )
            },
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        if self.instance.pk:
            del fields["kind"]
        else:
            kind = fields["kind"]
            kind.queryset = ReportKind.objects.filter(pk__in=drafting_kinds(user))  # type: ignore[attr-defined]
        fields["unit"].queryset = access.drafting_units(user)  # type: ignore[attr-defined]
        fields["case"].queryset = cases_visible_to(user).filter(status=Case.Status.OPEN)  # type: ignore[attr-defined]
        fields["case"].help_text = _(
            "Leave it empty and a case is opened for the report when it is sent."
        )
        related = access.reports_visible_to(user).select_related("kind")
        if self.instance.pk:
            related = related.exclude(pk=self.instance.pk)
        fields["related_report"].queryset = related  # type: ignore[attr-defined]
        fields["related_report"].label_from_instance = (  # type: ignore[attr-defined]
            lambda r: f"{r.number} {r.kind.name}"
        )
        # A device is named by its inventory number, not chosen from a list: a region-wide
        # reporter sees hundreds of thousands of devices.
        fields["device"] = forms.ModelChoiceField(
            queryset=devices_visible_to(user).select_related("model"),
            to_field_name="inventory_number",
            required=False,
            label=_("Inventory number of the device in the register"),
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
            error_messages={
                "invalid_choice": _("No device %(value)s in the register where you work.")
            },
            help_text=_(
                "A device from the register fills in its identification. For a device not in "
                "the register, give its manufacturer and trade name below."
            ),
        )
        if self.instance.pk and self.instance.device_id and not self.is_bound:
            self.initial["device"] = self.instance.device.inventory_number
        fields["device_model"].queryset = device_models_visible_to(user)  # type: ignore[attr-defined]
        fields["contact_person"].queryset = people_visible_to(user).filter(is_active=True)  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """Validate the input only, not a record built from it: the service fills in the
        device's identification from the register and derives the recipient and the due date
        before it validates the whole report (so that, say, a CE-device incident's manufacturer
        comes from the register rather than as a missing field)."""

    def offers_confirmation(self) -> bool:
        """Show the confirmation that the numbers in the text are not personal numbers: once the
        check has found one, or when it was given before."""
        name = "personal_numbers_confirmed"
        if self.is_bound and self[name].value():
            return True
        if not self.is_bound and self.instance.personal_numbers_confirmed:
            return True
        return self.is_bound and any(self.has_error(f) for f in FREE_TEXT_FIELDS)

    def fieldsets(self) -> list[Fieldset]:
        parts = [
            Fieldset(legend, [self[n] for n in names if n in self.fields])
            for legend, names in FIELDSETS
        ]
        if self.offers_confirmation():
            parts[1].fields.insert(
                parts[1].fields.index(self["actions_taken"]) + 1,
                self["personal_numbers_confirmed"],
            )
        return parts


_CHANNEL = {"label": _("How"), "choices": Dispatch.Channel.choices, "widget": forms.RadioSelect}


def _today() -> Any:
    return timezone.localdate()


class ConfirmForm(forms.Form):
    """A move that asks for nothing more than the person's confirmation."""


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class SendForm(forms.Form):
    channel = forms.ChoiceField(**_CHANNEL)  # type: ignore[arg-type]
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput(), initial=_today)


class ManufacturerCopyForm(forms.Form):
    recipient = forms.CharField(
        label=_("To"),
        max_length=300,
        required=False,
        help_text=_("The manufacturer's contact; the report's is used when left empty."),
    )
    channel = forms.ChoiceField(**_CHANNEL)  # type: ignore[arg-type]
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput(), initial=_today)


class ReplyForm(forms.Form):
    AUTHORITY, OTHER = "authority", "other"

    origin = forms.ChoiceField(label=_("From"), widget=forms.RadioSelect, initial=AUTHORITY)
    sender = forms.CharField(
        label=_("Sender"),
        max_length=300,
        required=False,
        help_text=_("Who sent it, when it is not the authority (the manufacturer, say)."),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), initial=_today)
    reference = forms.CharField(
        label=_("Their reference"),
        max_length=60,
        required=False,
        help_text=_("The authority's case number: its first reply acknowledges the report."),
    )
    summary = forms.CharField(
        label=_("What it says"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]

    def __init__(self, *args: Any, authority: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = [  # type: ignore[attr-defined]
            (self.AUTHORITY, str(authority)),
            (self.OTHER, _("Someone else")),
        ]


class SupplementForm(forms.Form):
    text = forms.CharField(
        label=_("Supplement"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("No patient identity: no name, no personal number."),
    )
    channel = forms.ChoiceField(**_CHANNEL)  # type: ignore[arg-type]
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput(), initial=_today)
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]
    personal_numbers_confirmed = forms.BooleanField(
        label=_("the numbers in the text are not personal numbers"), required=False
    )
