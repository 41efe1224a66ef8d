"""The medical technology register (docs/domain/devices.md): device models, devices, inspections."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from medtek.core.text import REASON_LENGTH, TEXT_LENGTH
from medtek.organisation.models import Unit

from .identifiers import Issuer, validate_emdn, validate_udi_di


class RiskClass(models.TextChoices):
    """MDR (EU 2017/745) Annex VIII classes, and IVDR (EU 2017/746) Annex VIII classes."""

    I = "I", "I"  # noqa: E741  (the regulation's own name)
    IS = "Is", "Is"
    IM = "Im", "Im"
    IR = "Ir", "Ir"
    IIA = "IIa", "IIa"
    IIB = "IIb", "IIb"
    III = "III", "III"
    A = "A", _("IVDR A")
    B = "B", _("IVDR B")
    C = "C", _("IVDR C")
    D = "D", _("IVDR D")


IVDR_CLASSES = {RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D}


class DeviceModel(models.Model):
    """A product type as the manufacturer sells it (or as we make it in-house).

    UDI-DI identifies the model (MDR art. 27); its issuing entity decides the check: GS1 GTIN
    (mod 10) or HIBC (mod 43).
    """

    class UdiIssuer(models.TextChoices):
        GS1 = Issuer.GS1, "GS1"
        HIBCC = Issuer.HIBCC, "HIBCC"
        ICCBBA = Issuer.ICCBBA, "ICCBBA"
        IFA = Issuer.IFA, "IFA"

    class Conformity(models.TextChoices):
        CE = "ce", _("CE-marked")
        IN_HOUSE = "in_house", _("In-house manufactured (MDR art. 5(5))")

    class SafetyClass(models.TextChoices):
        I = "I", _("Class I (protective earth)")  # noqa: E741
        II = "II", _("Class II (double insulation)")
        INTERNAL = "internal", _("Internally powered")
        NONE = "none", _("Not electrical")

    class AppliedPart(models.TextChoices):
        NONE = "none", _("No applied part")
        B = "B", "B"
        BF = "BF", "BF"
        CF = "CF", "CF"

    manufacturer = models.CharField(_("manufacturer"), max_length=200, db_index=True)
    trade_name = models.CharField(_("trade name"), max_length=200)
    model_version = models.CharField(_("model/version"), max_length=100, blank=True)
    udi_di = models.CharField(_("UDI-DI"), max_length=60, blank=True)
    udi_issuer = models.CharField(
        _("UDI issuing entity"), max_length=10, choices=UdiIssuer.choices, blank=True
    )
    emdn_code = models.CharField(
        _("EMDN code"), max_length=13, blank=True, validators=[validate_emdn]
    )
    risk_class = models.CharField(_("risk class"), max_length=3, choices=RiskClass.choices)
    implantable = models.BooleanField(_("implantable"), default=False)
    conformity = models.CharField(
        _("conformity"), max_length=10, choices=Conformity.choices, default=Conformity.CE
    )
    safety_class = models.CharField(
        _("electrical safety class"),
        max_length=10,
        choices=SafetyClass.choices,
        default=SafetyClass.NONE,
    )
    applied_part = models.CharField(
        _("applied part"), max_length=5, choices=AppliedPart.choices, default=AppliedPart.NONE
    )
    inspection_interval_months = models.PositiveSmallIntegerField(
        _("default inspection interval (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )

    class Meta:
        verbose_name = _("device model")
        verbose_name_plural = _("device models")
        ordering = ["manufacturer", "trade_name", "model_version"]
        constraints = [
            models.UniqueConstraint(
                "manufacturer",
                "trade_name",
                "model_version",
                name="devicemodel_unique_name",
                violation_error_message=_(
                    "This manufacturer already has a model with this trade name and version."
                ),
            ),
            models.UniqueConstraint(
                fields=["udi_issuer", "udi_di"],
                condition=~models.Q(udi_di=""),
                name="devicemodel_unique_udi_di",
                violation_error_message=_("Another device model already has this UDI-DI."),
            ),
            models.CheckConstraint(
                condition=models.Q(udi_di="") | ~models.Q(udi_issuer=""),
                name="devicemodel_udi_has_issuer",
                violation_error_message=_("A UDI-DI needs its issuing entity."),
            ),
        ]

    def __str__(self) -> str:
        version = f" {self.model_version}" if self.model_version else ""
        return f"{self.manufacturer} {self.trade_name}{version}"

    @property
    def is_in_house(self) -> bool:
        return self.conformity == self.Conformity.IN_HOUSE

    @property
    def needs_udi_storage(self) -> bool:
        """MDR art. 27(9): health institutions store the UDI of class III implantable devices."""
        return self.risk_class == RiskClass.III and self.implantable

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.udi_di:
            self.udi_di = self.udi_di.strip().upper()
            if not self.udi_issuer:
                errors.setdefault("udi_issuer", []).append(
                    ValidationError(_("Say which entity issued the UDI-DI."))
                )
            else:
                try:
                    validate_udi_di(self.udi_di, self.udi_issuer)
                except ValidationError as exc:
                    errors.setdefault("udi_di", []).extend(exc.error_list)
        if self.needs_udi_storage and not self.udi_di:
            errors.setdefault("udi_di", []).append(
                ValidationError(
                    _("Class III implantable devices must have a UDI-DI (MDR art. 27(9)).")
                )
            )
        if self.implantable and self.risk_class in IVDR_CLASSES:
            errors.setdefault("implantable", []).append(
                ValidationError(_("An IVDR device is not implantable."))
            )
        if errors:
            raise ValidationError(errors)


#: What a person gives and may change of a device model, in form order: the service, the form, the
#: serializer and the export all use this list.
DEVICE_MODEL_FIELDS = (
    "manufacturer",
    "trade_name",
    "model_version",
    "udi_issuer",
    "udi_di",
    "emdn_code",
    "risk_class",
    "implantable",
    "conformity",
    "safety_class",
    "applied_part",
    "inspection_interval_months",
)


class DeviceStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    IN_REPAIR = "in_repair", _("In repair")
    SCRAPPED = "scrapped", _("Scrapped")


class Device(models.Model):
    """One individual medical device, known by its inventory number
    (docs/domain/devices.md#register).

    UDI-PI (serial, lot, manufacture and expiry date) identifies the unit of production; for
    class III implantables the full UDI is stored as MDR art. 27(9) requires. ``next_due`` is the
    earliest due date of its active inspection plans, kept by the services so that overdue lists
    are one indexed query at region scale.
    """

    inventory_number = models.CharField(_("inventory number"), max_length=40)
    model = models.ForeignKey(
        DeviceModel,
        verbose_name=_("device model"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    udi_lot = models.CharField(_("UDI-PI lot"), max_length=60, blank=True)
    udi_serial = models.CharField(_("UDI-PI serial"), max_length=60, blank=True)
    manufactured_on = models.DateField(_("manufacture date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    udi_carrier = models.CharField(
        _("full UDI (as on the label)"),
        max_length=200,
        blank=True,
        help_text=_("Required for class III implantable devices (MDR art. 27(9))."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="devices",
        # device_unit_status_idx (unit, status) answers every lookup by unit.
        db_index=False,
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    purchased_on = models.DateField(_("purchase date"), null=True, blank=True)
    delivered_on = models.DateField(_("delivery date"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty end"), null=True, blank=True)
    acceptance_checked_on = models.DateField(_("acceptance check"), null=True, blank=True)
    acceptance_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptance checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.IN_USE
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    next_due = models.DateField(_("next inspection due"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["inventory_number"]
        constraints = [
            models.UniqueConstraint(
                Upper("inventory_number"),
                name="device_unique_inventory_number",
                violation_error_message=_("Another device already has this inventory number."),
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(manufactured_on__isnull=True)
                | models.Q(expires_on__gte=models.F("manufactured_on")),
                name="device_expiry_after_manufacture",
                violation_error_message=_("The expiry date is before the manufacture date."),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="device_unit_status_idx"),
            models.Index(fields=["status", "next_due"], name="device_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.inventory_number

    def clean(self) -> None:
        errors = device_rule_errors(vars(self), self.model if self.model_id else None)
        if errors:
            raise ValidationError(errors)


#: What a person gives and may change of a device, in form order (service, form, serializer). The
#: status changes only through its lifecycle (``services.DEVICE_LIFECYCLE``).
DEVICE_FIELDS = (
    "inventory_number",
    "model",
    "serial_number",
    "udi_lot",
    "udi_serial",
    "manufactured_on",
    "expires_on",
    "udi_carrier",
    "unit",
    "location",
    "supplier",
    "purchased_on",
    "delivered_on",
    "warranty_until",
    "acceptance_checked_on",
)


def device_rule_errors(values: Mapping[str, Any], model: DeviceModel | None) -> dict[str, Any]:
    """The register's rules for one device, on its field values (by attribute name, e.g.
    ``model_id``) and its device model: ``Device.clean`` applies them to an instance, the import
    to a row's values without building one.

    Dates in order (delivered after purchase, expiry after manufacture), and for class III
    implantable devices the full UDI and its UDI-PI, which health institutions store (MDR art.
    27(9)).
    """
    errors: dict[str, Any] = {}  # field → message
    delivered, purchased = values.get("delivered_on"), values.get("purchased_on")
    if delivered and purchased and delivered < purchased:
        errors["delivered_on"] = _("Delivered before it was purchased.")
    expires, manufactured = values.get("expires_on"), values.get("manufactured_on")
    if expires and manufactured and expires < manufactured:
        errors["expires_on"] = _("The expiry date is before the manufacture date.")
    if model is not None and model.needs_udi_storage:
        if not values.get("udi_carrier"):
            errors["udi_carrier"] = _(
                "Store the full UDI of a class III implantable device (MDR art. 27(9))."
            )
        if not (values.get("udi_serial") or values.get("udi_lot")):
            errors["udi_serial"] = _(
                "A class III implantable device needs its UDI-PI (serial or lot)."
            )
    return errors


class DeviceStatusChange(models.Model):
    """A dated status transition of a device, with its reason.

    Never edited and never removed: the database rejects UPDATE and DELETE of its rows (migration
    ``devices/0004_devicestatuschange_append_only``), as it does for the audit trail.
    """

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=DeviceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=DeviceStatus.choices)
    effective_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), max_length=REASON_LENGTH, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.device}: {self.from_status or '—'} → {self.to_status} ({self.effective_on})"


class InspectionKind(models.TextChoices):
    ELECTRICAL_SAFETY = "electrical_safety", _("Electrical safety (IEC 62353)")
    CALIBRATION = "calibration", _("Calibration")
    MAINTENANCE = "maintenance", _("Preventive maintenance")
    FUNCTIONAL = "functional", _("Functional check")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class InspectionPlan(models.Model):
    """A recurring inspection of one device, e.g. electrical safety every 24 months."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(_("kind"), max_length=30, choices=InspectionKind.choices)
    interval_months = models.PositiveSmallIntegerField(
        _("interval (months)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    last_done = models.DateField(_("last done"), null=True, blank=True)
    next_due = models.DateField(_("next due"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["next_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "kind"],
                condition=models.Q(active=True),
                name="inspectionplan_one_active_per_kind",
                violation_error_message=_("This device already has an active plan of this kind."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.device}: {self.get_kind_display()} / {self.interval_months} mån"


#: The measured values and outcome of an inspection, in form order (service, form, serializer).
INSPECTION_FIELDS = (
    "visual_ok",
    "protective_earth_ohm",
    "insulation_mohm",
    "equipment_leakage_ua",
    "patient_leakage_ua",
    "functional_ok",
    "result",
    "measurements",
    "notes",
)


class Inspection(models.Model):
    """A performed inspection (IEC 62353 recurrent test style). Recording it moves the plan on."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="inspections")
    plan = models.ForeignKey(
        InspectionPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=InspectionKind.choices)
    performed_on = models.DateField(_("performed"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    # None: not part of this inspection (e.g. a calibration) or not recorded.
    visual_ok = models.BooleanField(_("visual inspection OK"), null=True, blank=True)
    protective_earth_ohm = models.DecimalField(
        _("protective earth resistance (Ω)"),
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
    )
    insulation_mohm = models.DecimalField(
        _("insulation resistance (MΩ)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    equipment_leakage_ua = models.DecimalField(
        _("equipment leakage current (µA)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
    )
    patient_leakage_ua = models.DecimalField(
        _("applied part leakage current (µA)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
    )
    functional_ok = models.BooleanField(_("functional test OK"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    measurements = models.JSONField(_("other measured values"), default=dict, blank=True)
    notes = models.TextField(_("notes"), max_length=TEXT_LENGTH, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-performed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.device} {self.get_kind_display()} {self.performed_on}: {self.result}"

    def clean(self) -> None:
        if self.result == self.Result.PASS and (
            self.visual_ok is False or self.functional_ok is False
        ):
            raise ValidationError(
                {"result": _("An inspection with a failed visual or functional test cannot pass.")}
            )
        # The field may be left empty (blank), which clean_fields lets through even as None:
        # the column holds an object, never null.
        if not isinstance(self.measurements, dict):
            raise ValidationError(
                {"measurements": _("Give other measured values as names with their values.")}
            )
        if _holds_nul(self.measurements):
            raise ValidationError(
                {"measurements": _("A name or value cannot hold the NUL character.")}
            )


def _holds_nul(value: Any) -> bool:
    """Whether JSON holds the NUL character in a name or a text (no text does, and PostgreSQL
    cannot store it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
