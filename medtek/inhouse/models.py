"""In-house manufactured devices (docs/domain/inhouse.md#scope): the file a region keeps for each
device it makes, modifies or combines for use inside its own organisation, under MDR art. 5(5)
(IVDR art. 5(5) for in-vitro diagnostic devices).

The file belongs to the device's model in the register (``DeviceModel`` with conformity
"in-house"); every registered unit of that model links to it. This module keeps the evidence of
conditions (a)–(c) of art. 5(5); the later conditions (IVO notification, public declaration,
technical documentation, manufacturing records, periodic review) build on the same file.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from medtek.devices.models import IVDR_CLASSES, Device, DeviceModel, DeviceStatus
from medtek.organisation.models import Unit

#: The number series that gives every in-house file its number, and its format when the first
#: file creates it (``EGT-2026-001``).
FILE_NUMBER_SERIES = "inhouse"
FILE_NUMBER_FORMAT = "EGT-{yyyy}-{seq:03}"

#: What a person gives and may change, in form order; the number is allocated and the model
#: never changes (services, form and API all use this list).
FILE_FIELDS = (
    "kind",
    "based_on",
    "intended_purpose",
    "manufacturer_unit",
    "not_transferred",
    "qms_reference",
    "justification",
    "market_search",
    "market_searched_on",
    "justification_review_due",
)


class InhouseDevice(models.Model):
    """The in-house file of one device model made, modified or combined by the region.

    MDR art. 5(5): exempt from the regulation except Annex I only while **all** its conditions
    hold. Kept here: (a) not transferred to another legal entity (the statement, checked against
    the units that hold the devices), (b) the quality management system that covers making and
    using it, (c) the documented justification that no equivalent device on the market meets the
    target group's needs, with the market search behind it and the date it must be checked again.
    """

    class Kind(models.TextChoices):
        MANUFACTURED = "manufactured", _("Designed and made in-house")
        MODIFIED = "modified", _("CE-marked device modified")
        COMBINED = "combined", _("Devices combined in a way their manufacturers did not intend")

    file_number = models.CharField(_("file number"), max_length=40, unique=True, editable=False)
    device_model = models.OneToOneField(
        DeviceModel,
        on_delete=models.PROTECT,
        related_name="inhouse_file",
        verbose_name=_("device model"),
        error_messages={"unique": _("This device model already has an in-house file.")},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    based_on = models.TextField(
        _("based on"),
        blank=True,
        help_text=_("For a modified or combined device: the CE-marked devices it starts from."),
    )
    intended_purpose = models.TextField(_("intended purpose"))
    manufacturer_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="inhouse_devices",
        verbose_name=_("manufacturing unit"),
        help_text=_("The unit that makes the device and answers for it."),
    )
    # (a)
    not_transferred = models.BooleanField(
        _("not transferred to another legal entity"),
        default=False,
        help_text=_("MDR art. 5(5)(a): the device is used only within the region's own care."),
    )
    # (b)
    qms_reference = models.TextField(
        _("quality management system"),
        blank=True,
        help_text=_(
            "MDR art. 5(5)(b): the processes of the quality management system under which the "
            "device is made and used."
        ),
    )
    # (c)
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_(
            "MDR art. 5(5)(c): why no equivalent device on the market meets the target group's "
            "needs. Economic reasons alone do not count."
        ),
    )
    market_search = models.TextField(
        _("market search"),
        blank=True,
        help_text=_("Where and how the market was searched, and what was found."),
    )
    market_searched_on = models.DateField(_("market searched on"), null=True, blank=True)
    justification_review_due = models.DateField(
        _("justification to be checked again by"),
        null=True,
        blank=True,
        help_text=_("Check the market again by this date, or at once when an equivalent appears."),
    )

    class Meta:
        verbose_name = _("in-house file")
        verbose_name_plural = _("in-house files")
        ordering = ["file_number"]

    def __str__(self) -> str:
        return f"{self.file_number} {self.device_model.trade_name}"

    @property
    def regulation(self) -> str:
        """IVDR for in-vitro diagnostic devices (classes A–D), MDR otherwise."""
        return "IVDR" if self.device_model.risk_class in IVDR_CLASSES else "MDR"

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        model = getattr(self, "device_model", None)
        # Checked when the file is opened. A model reclassified as CE-marked later keeps its file
        # (the history must stay), which then shows as incomplete: see conditions().
        if self._state.adding and model is not None and not model.is_in_house:
            errors["device_model"] = ValidationError(
                _(
                    "%(model)s is registered as CE-marked. Only a model registered as in-house "
                    "manufactured has an in-house file."
                ),
                params={"model": model},
            )
        if self.kind in (self.Kind.MODIFIED, self.Kind.COMBINED) and not self.based_on:
            errors["based_on"] = ValidationError(
                _("Name the CE-marked devices that this device modifies or combines.")
            )
        if (
            self.market_searched_on
            and self.justification_review_due
            and self.justification_review_due <= self.market_searched_on
        ):
            errors["justification_review_due"] = ValidationError(
                _("The next check must come after the market search (%(date)s)."),
                params={"date": self.market_searched_on.isoformat()},
            )
        if errors:
            raise ValidationError(errors)

    def devices_elsewhere(self) -> models.QuerySet[Device]:
        """Devices of this model, not scrapped, held by a unit of another care provider (another
        legal entity) than the manufacturing unit's: each one breaks MDR art. 5(5)(a)."""
        return (
            Device.objects.filter(model_id=self.device_model_id)
            .exclude(status=DeviceStatus.SCRAPPED)
            .exclude(unit__care_provider_id=self.manufacturer_unit.care_provider_id)
        )

    def conditions(
        self, today: datetime.date, *, visible_devices: models.QuerySet[Device] | None = None
    ) -> list["Condition"]:
        """The art. 5(5) conditions this file keeps evidence of, and whether the evidence holds.

        ``visible_devices`` (the reader's scope) decides which units a problem may name; units
        outside it are only counted. :func:`incomplete_q` is the same test in SQL.
        """
        found: list[Condition] = []
        if not self.device_model.is_in_house:
            found.append(
                Condition(
                    "",
                    _("Registered as in-house manufactured"),
                    gettext("The device model is registered as CE-marked."),
                )
            )
        found.append(
            Condition(
                "a",
                _("Not transferred to another legal entity"),
                self._transfer_problem(visible_devices),
            )
        )
        found.append(
            Condition(
                "b",
                _("Quality management system"),
                "" if self.qms_reference else gettext("No quality management system named."),
            )
        )
        if not (self.justification and self.market_search):
            c_problem = gettext("Justification or market search missing.")
        elif not (self.market_searched_on and self.justification_review_due):
            c_problem = gettext("Date of the market search or of the next check missing.")
        elif self.justification_review_due < today:
            c_problem = gettext("The market should have been checked again by %(date)s.") % {
                "date": self.justification_review_due.isoformat()
            }
        else:
            c_problem = ""
        found.append(Condition("c", _("No equivalent device on the market"), c_problem))
        return found

    def _transfer_problem(self, visible_devices: models.QuerySet[Device] | None) -> str:
        units = set(self.devices_elsewhere().values_list("unit_id", flat=True))
        if units:
            scope = Device.objects.all() if visible_devices is None else visible_devices
            seen = set(
                scope.filter(model_id=self.device_model_id, unit_id__in=units).values_list(
                    "unit_id", flat=True
                )
            )
            names = sorted(Unit.objects.filter(pk__in=seen).values_list("name", flat=True))
            hidden = len(units - seen)
            if not names:
                return ngettext(
                    "Held by %(count)d unit of another care provider.",
                    "Held by %(count)d units of another care provider.",
                    hidden,
                ) % {"count": hidden}
            text = gettext("Held by a unit of another care provider: %(units)s.") % {
                "units": ", ".join(names)
            }
            if hidden:
                text += " " + ngettext(
                    "And %(count)d more unit outside your view.",
                    "And %(count)d more units outside your view.",
                    hidden,
                ) % {"count": hidden}
            return text
        if not self.not_transferred:
            return gettext("No statement that the device stays within the region's own care.")
        return ""


@dataclass(frozen=True)
class Condition:
    """One condition of MDR art. 5(5) and what, if anything, is missing for it."""

    point: str
    label: str | Promise
    problem: str | Promise

    @property
    def met(self) -> bool:
        return not self.problem


def incomplete_q(today: datetime.date) -> Q:
    """In-house files whose evidence for MDR art. 5(5)(a)–(c) does not hold today: the database
    form of :meth:`InhouseDevice.conditions`, for lists and filters."""
    elsewhere = (
        Device.objects.filter(model_id=OuterRef("device_model_id"))
        .exclude(status=DeviceStatus.SCRAPPED)
        .exclude(unit__care_provider_id=OuterRef("manufacturer_unit__care_provider_id"))
    )
    return (
        ~Q(device_model__conformity=DeviceModel.Conformity.IN_HOUSE)
        | Q(not_transferred=False)
        | Q(Exists(elsewhere))
        | Q(qms_reference="")
        | Q(justification="")
        | Q(market_search="")
        | Q(market_searched_on__isnull=True)
        | Q(justification_review_due__isnull=True)
        | Q(justification_review_due__lt=today)
    )
