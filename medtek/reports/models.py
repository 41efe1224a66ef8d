"""Reports to the authorities (docs/domain/reporting.md): who receives what, and the reports
themselves, from draft to closed.

The authorities and the kinds of report are data an administrator keeps, seeded with the rules
of docs/domain/reporting.md#routing (migration 0002), each kind with its legal anchor. A report is
a :class:`~medtek.core.records.VersionedRecord` sealed when it is **sent**: from then on its facts
never change at the database; only its lifecycle goes on (acknowledged, supplemented, closed:
``STATE_FIELDS``). Everything sent or received about a report — the report itself, the copy to
the manufacturer, each supplement, each reply — is a registered document in the report's diary
case (OSL ch. 5 § 1), linked here by an append-only :class:`Dispatch` or :class:`Reply`.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtek.core.records import VersionedRecord
from medtek.core.text import ADDRESS_LENGTH, TEXT_LENGTH
from medtek.devices.models import Device, DeviceModel
from medtek.organisation.models import CareProvider, Unit
from medtek.organisation.roles import Role
from medtek.registry.models import Case, Document


class Authority(models.Model):
    """An authority that receives reports: IVO (Inspektionen för vård och omsorg), which
    supervises care providers, and Läkemedelsverket (the Medical Products Agency), the competent
    authority for medical devices (docs/domain/reporting.md#routing)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30)
    address = models.TextField(_("postal address"), max_length=ADDRESS_LENGTH, blank=True)
    e_service = models.URLField(_("e-service"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class ReportKind(models.Model):
    """A kind of report, with its recipient, legal anchor, who approves it and its internal
    deadlines (docs/domain/reporting.md#routing, #deadlines).

    The recipient is ``authority``, or — for the matters of in-house manufacture
    (``in_house_supervision``) — the authority named by the setting
    ``REPORTS_IN_HOUSE_AUTHORITY`` (IVO today; supervision may move to Läkemedelsverket).
    ``informs_manufacturer``: the care provider sends the manufacturer its own copy
    (HSLF-FS 2021:52 ch. 5 § 5), a second recipient with its own sent date.
    """

    class Basis(models.TextChoices):
        AWARENESS = "awareness", _("Days after the event became known")
        BEFORE_USE = "before_use", _("Before clinical use (the planned start)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_anchor = models.CharField(_("legal anchor"), max_length=300)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kinds",
    )
    in_house_supervision = models.BooleanField(
        _("goes to the supervisor of in-house manufacture"),
        default=False,
        help_text=_("The recipient is the authority the setting names for in-house matters."),
    )
    informs_manufacturer = models.BooleanField(_("the manufacturer gets a copy"), default=False)
    needs_device = models.BooleanField(_("concerns a device"), default=True)
    drafter_roles = models.JSONField(
        _("who drafts"),
        default=list,
        help_text=_("The roles that may draft and send a report of this kind, for their units."),
    )
    approver_roles = models.JSONField(
        _("who approves"),
        default=list,
        help_text=_("The roles that may approve a report of this kind (never its drafter)."),
    )
    deadline_basis = models.CharField(
        _("deadline counted"), max_length=20, choices=Basis.choices, default=Basis.AWARENESS
    )
    days_public_health_threat = models.PositiveSmallIntegerField(
        _("days, serious public-health threat"), default=2
    )
    days_death_or_unexpected = models.PositiveSmallIntegerField(
        _("days, death or unexpected serious deterioration"), default=10
    )
    days_other = models.PositiveSmallIntegerField(_("days, otherwise"), default=15)
    no_email = models.BooleanField(
        _("never by e-mail"),
        default=False,
        help_text=_("Lex Maria reports go by the e-service or by post, never by e-mail."),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("report kind")
        verbose_name_plural = _("report kinds")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(authority__isnull=False) | models.Q(in_house_supervision=True),
                name="reportkind_has_recipient",
                violation_error_message=_("Name the authority that receives the report."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        for name in ("drafter_roles", "approver_roles"):
            roles = getattr(self, name) or []
            unknown = sorted(set(roles) - set(Role.values))
            if unknown:
                errors[name] = _("No such roles: %s") % ", ".join(unknown)
            elif not roles:
                errors[name] = _("Name at least one role.")
        if errors:
            raise ValidationError(errors)

    def recipient(self) -> Authority:
        """The authority that receives reports of this kind, today."""
        if self.in_house_supervision:
            return Authority.objects.get(code=in_house_supervisor_code())
        assert self.authority is not None  # the check constraint
        return self.authority


def in_house_supervisor_code() -> str:
    """The code of the authority that supervises in-house manufacture: the setting
    ``REPORTS_IN_HOUSE_AUTHORITY`` (IVO today; docs/domain/reporting.md#routing)."""
    return str(getattr(settings, "REPORTS_IN_HOUSE_AUTHORITY", "ivo"))


#: What an administrator gives a kind of report (service, serializer).
KIND_FIELDS = (
    "code",
    "name",
    "legal_anchor",
    "authority",
    "in_house_supervision",
    "informs_manufacturer",
    "needs_device",
    "drafter_roles",
    "approver_roles",
    "deadline_basis",
    "days_public_health_threat",
    "days_death_or_unexpected",
    "days_other",
    "no_email",
    "active",
)


class Outcome(models.TextChoices):
    """What happened, or could have happened, to the patient or user (docs/domain/
    reporting.md#severity-ladder and the incident criteria of HSLF-FS 2021:52 ch. 5 § 5)."""

    DEATH = "death", _("Death")
    SERIOUS_DETERIORATION = "serious_deterioration", _("Serious deterioration of health")
    OTHER_HARM = "other_harm", _("Other harm")
    NONE = "none", _("No harm")


class CareInjury(models.TextChoices):
    """The severity ladder of Patientsäkerhetslagen ch. 1 § 5 (law, not configuration)."""

    NONE = "none", _("No care injury")
    RISK = "risk", _("Risk of care injury")
    CARE_INJURY = "care_injury", _("Care injury")
    SERIOUS = "serious", _("Serious care injury")


#: What the drafter gives and may change of a draft, in form order (service, form, serializer).
REPORT_FIELDS = (
    "unit",
    "contact_person",
    "contact_phone",
    "contact_email",
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
    "case",
    "related_report",
    "personal_numbers_confirmed",
)
#: The free text where a patient's identity must not appear.
FREE_TEXT_FIELDS = ("description", "consequence", "actions_taken", "device_location")


class Report(VersionedRecord):
    """A report to an authority: its kind, who reports it (a care provider, through the unit
    where the event happened: docs/domain/reporting.md#who-reports), the event, the device, the
    consequence and the actions taken, and the diary case it is registered in.

    Lifecycle (``services.REPORT_LIFECYCLE``): draft → approved (by another person than the
    drafter; for Lex Maria a patient-safety officer) → sent (sealed; the copy registered as an
    outgoing document in the same transaction) → acknowledged (the authority's reply and its
    reference registered) → supplemented → closed.
    """

    DISPOSABLE_FIELDS = ("description", "consequence", "actions_taken")
    STATE_FIELDS = (
        "status",
        "authority_reference",
        "acknowledged_on",
        "closed_at",
        "closed_by",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        SUPPLEMENTED = "supplemented", _("Supplemented")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("report number"), max_length=40, editable=False)
    kind = models.ForeignKey(
        ReportKind,
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        related_name="kind_reports",
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="received_reports",
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit where it happened"),
        on_delete=models.PROTECT,
        related_name="authority_reports",
    )
    care_provider = models.ForeignKey(
        CareProvider,
        verbose_name=_("reporting care provider"),
        on_delete=models.PROTECT,
        related_name="authority_reports",
        editable=False,
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    event_date = models.DateField(_("event date"))
    awareness_date = models.DateField(
        _("became known"), help_text=_("The day the care provider learnt of the event.")
    )
    planned_use_date = models.DateField(
        _("planned start of clinical use"),
        null=True,
        blank=True,
        help_text=_("For the information about an in-house device: it is due before this day."),
    )
    description = models.TextField(
        _("what happened"),
        max_length=TEXT_LENGTH,
        help_text=_("No patient identity: no name, no personal number."),
    )
    outcome = models.CharField(
        _("outcome for the patient or user"),
        max_length=30,
        choices=Outcome.choices,
        default=Outcome.NONE,
    )
    outcome_possible = models.BooleanField(
        _("could have led to death or serious deterioration"), default=False
    )
    unexpected = models.BooleanField(_("unexpected"), default=False)
    public_health_threat = models.BooleanField(_("serious public-health threat"), default=False)
    care_injury = models.CharField(
        _("care injury"), max_length=20, choices=CareInjury.choices, default=CareInjury.NONE
    )
    care_injury_possible = models.BooleanField(
        _("could have caused a serious care injury"), default=False
    )
    consequence = models.TextField(
        _("consequence for the patient or user"), max_length=TEXT_LENGTH, blank=True
    )
    actions_taken = models.TextField(_("actions taken"), max_length=TEXT_LENGTH, blank=True)
    device = models.ForeignKey(
        Device,
        verbose_name=_("device in the register"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authority_reports",
    )
    device_model = models.ForeignKey(
        DeviceModel,
        verbose_name=_("device model"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authority_reports",
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    model_version = models.CharField(_("model/version"), max_length=100, blank=True)
    catalogue_number = models.CharField(_("catalogue number"), max_length=100, blank=True)
    udi_di = models.CharField(_("UDI-DI"), max_length=60, blank=True)
    serial_or_lot = models.CharField(_("serial or lot number"), max_length=100, blank=True)
    software_version = models.CharField(_("software version"), max_length=60, blank=True)
    device_location = models.CharField(
        _("where the device is now"),
        max_length=300,
        blank=True,
        help_text=_("Keep it, unrepaired, until the manufacturer and the authority have spoken."),
    )
    manufacturer_contact = models.CharField(
        _("manufacturer's contact for the copy"), max_length=300, blank=True
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("diary case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authority_reports",
    )
    related_report = models.ForeignKey(
        "self",
        verbose_name=_("also reported as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A Lex Maria report names the device incident report of the same event."),
    )
    personal_numbers_confirmed = models.BooleanField(
        _("the numbers in the text are not personal numbers"), default=False
    )
    due_date = models.DateField(_("due"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    sent_on = models.DateField(_("sent"), null=True, blank=True, editable=False)
    sent_document = models.ForeignKey(
        Document,
        verbose_name=_("registered as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    authority_reference = models.CharField(
        _("authority's reference"), max_length=60, blank=True, editable=False
    )
    acknowledged_on = models.DateField(_("acknowledged"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta(VersionedRecord.Meta):
        verbose_name = _("report to an authority")
        verbose_name_plural = _("reports to authorities")
        ordering = ["-event_date", "-id"]
        constraints = [
            *VersionedRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["number", "version"],
                name="report_unique_number_version",
                violation_error_message=_("Another report already has this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(awareness_date__gte=models.F("event_date")),
                name="report_known_after_event",
                violation_error_message=_("The event cannot become known before it happened."),
            ),
        ]
        indexes = [
            *VersionedRecord.Meta.indexes,
            models.Index(fields=["status", "due_date"], name="report_status_due_idx"),
            models.Index(fields=["unit", "status"], name="report_unit_status_idx"),
            models.Index(fields=["number"], name="report_number_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.awareness_date and self.event_date and self.awareness_date < self.event_date:
            errors["awareness_date"] = str(_("The event cannot become known before it happened."))
        kind = self.kind if self.kind_id else None
        if (
            kind is not None
            and kind.needs_device
            and not (self.device_id or self.device_model_id or self.trade_name)
        ):
            errors["device"] = str(
                _("Name the device: from the register, or by manufacturer and trade name.")
            )
        if kind is not None and kind.informs_manufacturer and not self.manufacturer:
            errors["manufacturer"] = str(_("Name the manufacturer: it gets a copy."))
        device = self.device if self.device_id else None
        if device is not None and self.device_model_id and device.model_id != self.device_model_id:
            errors["device_model"] = str(_("The device is of another model."))
        if errors:
            raise ValidationError(errors)

    @property
    def drafter_id(self) -> int | None:
        return self.created_by_id  # type: ignore[attr-defined,no-any-return]

    @property
    def is_sent(self) -> bool:
        return self.sealed_at is not None

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.sealed_at is None
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class Dispatch(models.Model):
    """Something sent about a report, and registered as an outgoing document in its case: the
    report to the authority, the copy to the manufacturer, a supplement. Never changed
    (``APPEND_ONLY``): what was sent, to whom and when stays as it was."""

    APPEND_ONLY = True

    class Purpose(models.TextChoices):
        REPORT = "report", _("The report")
        MANUFACTURER_COPY = "manufacturer_copy", _("Copy to the manufacturer")
        SUPPLEMENT = "supplement", _("Supplement")

    class Channel(models.TextChoices):
        E_SERVICE = "e_service", _("E-service")
        POST = "post", _("Post")
        EMAIL = "email", _("E-mail")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="dispatches"
    )
    purpose = models.CharField(_("what"), max_length=20, choices=Purpose.choices)
    recipient = models.CharField(_("to"), max_length=300)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    sent_on = models.DateField(_("sent"))
    text = models.TextField(_("content"), max_length=TEXT_LENGTH, blank=True)
    document = models.ForeignKey(
        Document, verbose_name=_("registered as"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.recipient}"


class Reply(models.Model):
    """A reply about a report (the authority's acknowledgement with its reference, a question, a
    decision; the manufacturer's answer), registered as an incoming document in its case.
    Never changed (``APPEND_ONLY``)."""

    APPEND_ONLY = True

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="replies"
    )
    sender = models.CharField(_("from"), max_length=300)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_on = models.DateField(_("received"))
    reference = models.CharField(_("their reference"), max_length=60, blank=True)
    summary = models.CharField(_("what it says"), max_length=500)
    document = models.ForeignKey(
        Document, verbose_name=_("registered as"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.sender} {self.received_on:%Y-%m-%d}"
