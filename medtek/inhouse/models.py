"""In-house manufactured devices (docs/domain/inhouse.md#scope): the file a region keeps for each
device it makes, modifies or combines for use inside its own organisation, under MDR art. 5(5)
(IVDR art. 5(5) for in-vitro diagnostic devices).

The file belongs to the device's model in the register (``DeviceModel`` with conformity
"in-house"); every registered unit of that model links to it. The file keeps the evidence of every
condition of art. 5(5) (docs/domain/inhouse.md#conditions): (a)–(c) on the file itself, (d) the IVO
notification (a report of kind ``in_house_information``), (e) the published declaration
(:class:`Declaration`), (f) the technical documentation (:class:`FileDocument`) with the Annex I
checklist (:class:`ChecklistItem` over :class:`Requirement`), (g) the release records
(:class:`ReleaseRecord`) and (h) the periodic reviews (:class:`Review`).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from medtek.core.records import VersionedRecord
from medtek.core.text import ADDRESS_LENGTH, NOTE_LENGTH, REASON_LENGTH, TEXT_LENGTH
from medtek.devices.models import IVDR_CLASSES, Device, DeviceModel, DeviceStatus
from medtek.organisation.models import CareProvider, Unit

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
    "using_unit",
    "not_transferred",
    "qms_reference",
    "justification",
    "market_search",
    "market_searched_on",
    "justification_review_due",
    "lab_compliance",
    "review_interval_months",
)

#: Changing one of these on an approved file is a material change: IVO must be told again
#: (HSLF-FS 2021:32 ch. 4 § 2; docs/domain/inhouse.md#ivo-notification).
MATERIAL_FIELDS = ("kind", "based_on", "intended_purpose", "manufacturer_unit", "using_unit")


def default_review_interval() -> int:
    """Months between reviews of clinical experience (condition (h)), ``INHOUSE_REVIEW_MONTHS``
    (12 by default; docs/domain/inhouse.md#periodic-review)."""
    return int(settings.INHOUSE_REVIEW_MONTHS)


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

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved for clinical use")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

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
        max_length=NOTE_LENGTH,
        blank=True,
        help_text=_("For a modified or combined device: the CE-marked devices it starts from."),
    )
    intended_purpose = models.TextField(_("intended purpose"), max_length=TEXT_LENGTH)
    manufacturer_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="inhouse_devices",
        verbose_name=_("manufacturing unit"),
        help_text=_("The unit that makes the device and answers for it."),
    )
    using_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="inhouse_devices_used",
        verbose_name=_("using unit"),
        null=True,
        blank=True,
        help_text=_(
            "The clinical unit that uses the device; its head signs off the file together with "
            "the head of the manufacturing unit."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    #: Each submission for review starts a new round of sign-offs; earlier rounds' signatures
    #: stay in the history but do not count.
    signoff_round = models.PositiveIntegerField(_("sign-off round"), default=0, editable=False)
    notification = models.ForeignKey(
        "reports.Report",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("IVO notification"),
        null=True,
        blank=True,
        editable=False,
    )
    #: When the next review of clinical experience (h) is due: the interval after the last review,
    #: or after the approval before the first (kept by the services; gates.next_review_due).
    review_due = models.DateField(_("next review due"), null=True, blank=True, editable=False)
    material_change_at = models.DateTimeField(
        _("last material change"), null=True, blank=True, editable=False
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
        max_length=NOTE_LENGTH,
        blank=True,
        help_text=_(
            "MDR art. 5(5)(b): the processes of the quality management system under which the "
            "device is made and used."
        ),
    )
    # (c)
    justification = models.TextField(
        _("justification"),
        max_length=TEXT_LENGTH,
        blank=True,
        help_text=_(
            "MDR art. 5(5)(c): why no equivalent device on the market meets the target group's "
            "needs. Economic reasons alone do not count."
        ),
    )
    market_search = models.TextField(
        _("market search"),
        max_length=TEXT_LENGTH,
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

    # IVDR (c)
    lab_compliance = models.TextField(
        _("laboratory compliance"),
        max_length=TEXT_LENGTH,
        blank=True,
        help_text=_(
            "IVDR art. 5(5)(c): how the laboratory complies with EN ISO 15189 or the national "
            "provisions, accreditation included."
        ),
    )
    # (h)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        default=default_review_interval,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How often clinical experience of the device is reviewed (condition (h))."),
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
        using, making = getattr(self, "using_unit", None), getattr(self, "manufacturer_unit", None)
        if (
            using is not None
            and making is not None
            and using.care_provider_id != making.care_provider_id
        ):
            errors["using_unit"] = ValidationError(
                _(
                    "%(unit)s belongs to another care provider, another legal entity: an in-house "
                    "device is not transferred outside its own (MDR art. 5(5)(a))."
                ),
                params={"unit": using},
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
        if self.regulation == "IVDR":
            found.append(
                Condition(
                    "lab",
                    _("Laboratory complies with EN ISO 15189"),
                    ""
                    if self.lab_compliance
                    else gettext("No statement of the laboratory's compliance with EN ISO 15189."),
                )
            )
        found.append(Condition("c", _("No equivalent device on the market"), c_problem))
        return found

    def letter(self, key: str) -> str:
        """The letter of art. 5(5) that names condition ``key`` (the MDR's letters) in the file's
        own regulation: the IVDR's added (c) moves the later ones on by one
        (docs/domain/inhouse.md#ivdr)."""
        return letter_of(self.regulation, key)

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


#: The conditions of art. 5(5) by the MDR's letters, and ``lab`` for the IVDR's added (c).
MDR_KEYS = ("a", "b", "c", "d", "e", "f", "g", "h")
IVDR_KEYS = ("a", "b", "lab", "c", "d", "e", "f", "g", "h")


def letter_of(regulation: str, key: str) -> str:
    """``key``'s letter in ``regulation``'s art. 5(5): MDR (a)–(h); IVDR (a)–(i), where the
    laboratory's EN ISO 15189 compliance is (c) and the MDR's (c)–(h) become (d)–(i)."""
    if not key:
        return ""
    if regulation == "IVDR":
        return "abcdefghi"[IVDR_KEYS.index(key)]
    return key


@dataclass(frozen=True)
class Condition:
    """One condition of art. 5(5) (``point``: its key, the MDR's letter or ``lab``) and what, if
    anything, is missing for it."""

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
        | (Q(device_model__risk_class__in=sorted(IVDR_CLASSES)) & Q(lab_compliance=""))
    )


# The Annex I checklist --------------------------------------------------------------------


class Requirement(models.Model):
    """One item of Annex I (general safety and performance requirements) of the MDR or the IVDR:
    a numbered section or a lettered point, with short labels of our own
    (docs/domain/inhouse.md#annex-i-checklist).

    Reference data the region can update (``medtek gspr_load``): a new version of the data changes
    labels and adds or retires items, and never touches an assessment already made.
    """

    class Regulation(models.TextChoices):
        MDR = "MDR", "MDR (EU) 2017/745"
        IVDR = "IVDR", "IVDR (EU) 2017/746"

    regulation = models.CharField(_("regulation"), max_length=4, choices=Regulation.choices)
    code = models.CharField(_("number"), max_length=20)
    chapter = models.CharField(_("chapter"), max_length=4)
    section = models.CharField(_("section"), max_length=10)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_sv = models.CharField(_("title (Swedish)"), max_length=300)
    parent_code = models.CharField(_("part of"), max_length=20, blank=True)
    level = models.PositiveSmallIntegerField(_("level"))
    position = models.PositiveIntegerField(_("position"))
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired by a later version of the data.")
    )
    data_version = models.CharField(_("data version"), max_length=40)

    class Meta:
        verbose_name = _("Annex I requirement")
        verbose_name_plural = _("Annex I requirements")
        ordering = ["regulation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["regulation", "code"], name="inhouse_requirement_one_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.regulation} bil. I {self.code}"

    @property
    def title(self) -> str:
        """The label in the interface's language (Swedish, or English)."""
        from django.utils.translation import get_language

        return self.title_sv if (get_language() or "sv").startswith("sv") else self.title_en


class ChecklistItem(models.Model):
    """The file's assessment of one Annex I item: does it apply (and if not, why not), is it met
    or not fully met (and then the reasoned justification, which the public declaration
    carries: MDR art. 5(5)(e)), and the evidence — documents of the file, by version."""

    class Outcome(models.TextChoices):
        MET = "met", _("Met")
        NOT_FULLY_MET = "not_fully_met", _("Not fully met")

    file = models.ForeignKey(
        InhouseDevice, on_delete=models.PROTECT, related_name="checklist", verbose_name=_("file")
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="+", verbose_name=_("requirement")
    )
    applies = models.BooleanField(_("applies"), null=True, blank=True)
    not_applicable_reason = models.TextField(
        _("why it does not apply"), max_length=REASON_LENGTH, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    justification = models.TextField(_("justification"), max_length=TEXT_LENGTH, blank=True)
    evidence: "models.ManyToManyField[FileDocument, Any]" = models.ManyToManyField(
        "FileDocument", blank=True, related_name="+", verbose_name=_("evidence")
    )
    evidence_note = models.TextField(_("other evidence"), max_length=NOTE_LENGTH, blank=True)
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True, editable=False)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("assessed by"),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["file", "requirement__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "requirement"], name="inhouse_checklistitem_one_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file.file_number} {self.requirement.code}"

    @property
    def assessed(self) -> bool:
        """Assessed: does not apply (with why not), met, or not fully met with a justification."""
        if self.applies is False:
            return bool(self.not_applicable_reason)
        if self.applies is True:
            return self.outcome == self.Outcome.MET or (
                self.outcome == self.Outcome.NOT_FULLY_MET and bool(self.justification)
            )
        return False

    def clean(self) -> None:
        errors: dict[str, str | Promise] = {}
        if self.applies is False:
            if not self.not_applicable_reason:
                errors["not_applicable_reason"] = _("Say why the requirement does not apply.")
            if self.outcome:
                errors["outcome"] = _("A requirement that does not apply is neither met nor not.")
        if self.applies is True and self.not_applicable_reason:
            errors["not_applicable_reason"] = _("The requirement applies: leave this empty.")
        if self.outcome == self.Outcome.NOT_FULLY_MET and not self.justification:
            errors["justification"] = _(
                "Justify why the requirement is not fully met: the public declaration shows it."
            )
        if self.outcome and self.applies is None:
            errors["applies"] = _("Say first whether the requirement applies.")
        if errors:
            raise ValidationError(errors)


def assessed_q() -> Q:
    """Checklist items assessed: the database form of :attr:`ChecklistItem.assessed`."""
    return (Q(applies=False) & ~Q(not_applicable_reason="")) | (
        Q(applies=True)
        & (
            Q(outcome=ChecklistItem.Outcome.MET)
            | (Q(outcome=ChecklistItem.Outcome.NOT_FULLY_MET) & ~Q(justification=""))
        )
    )


# Technical documentation (f) and manufacturing records (g) -------------------------------


class FileDocument(VersionedRecord):
    """A document of the technical file (MDR art. 5(5)(f)): its kind, title and content, kept in
    the file store. Sealed when added; a new version supersedes it (``record_correct``) and the
    database refuses to change or delete any version (ADR 0009)."""

    class Kind(models.TextChoices):
        DESIGN = "design", _("Design and performance data")
        RISK_PLAN = "risk_plan", _("Risk management plan")
        RISK_REPORT = "risk_report", _("Risk management report")
        VERIFICATION = "verification", _("Verification and validation")
        IFU = "ifu", _("Instructions for use")
        LABELLING = "labelling", _("Labelling")
        FACILITY = "facility", _("Manufacturing facility and process")
        OTHER = "other", _("Other")

    file = models.ForeignKey(
        InhouseDevice, on_delete=models.PROTECT, related_name="documents", verbose_name=_("file")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    content = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, related_name="+", verbose_name=_("content")
    )
    name = models.CharField(_("file name"), max_length=255)
    note = models.TextField(_("note"), max_length=NOTE_LENGTH, blank=True)

    class Meta(VersionedRecord.Meta):
        verbose_name = _("technical document")
        verbose_name_plural = _("technical documents")
        ordering = ["file", "kind", "lineage", "version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


#: The kinds of document the technical file must hold before approval (MDR art. 5(5)(f): the
#: facility and process, the design and performance data, the intended use — with risk
#: management, verification and the information supplied, Annex I ch. I and III).
REQUIRED_DOCUMENT_KINDS = tuple(k for k in FileDocument.Kind.values if k != "other")


class ReleaseRecord(models.Model):
    """The manufacturing and release record of one unit (a registered device, by inventory
    number) or one batch (MDR art. 5(5)(g)): who made it, when, and by which versions of the
    technical documentation. Never changed (``APPEND_ONLY``)."""

    APPEND_ONLY = True

    file = models.ForeignKey(
        InhouseDevice, on_delete=models.PROTECT, related_name="releases", verbose_name=_("file")
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="release_records",
        verbose_name=_("device"),
    )
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_on = models.DateField(_("made on"))
    documents: "models.ManyToManyField[FileDocument, ReleaseDocument]" = models.ManyToManyField(
        FileDocument,
        through="ReleaseDocument",
        related_name="releases",
        verbose_name=_("documentation versions"),
    )
    note = models.TextField(_("note"), max_length=NOTE_LENGTH, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("release record")
        verbose_name_plural = _("release records")
        ordering = ["-made_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(device__isnull=False) | ~Q(batch=""),
                name="inhouse_release_unit_or_batch",
                violation_error_message=_("Name the device or the batch that was released."),
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(device__isnull=False),
                name="inhouse_release_one_per_device",
                violation_error_message=_("This device already has a release record."),
            ),
        ]

    def __str__(self) -> str:
        return self.device.inventory_number if self.device_id else self.batch  # type: ignore[union-attr]


class ReleaseDocument(models.Model):
    """Which version of which document a release was made by. Never changed."""

    APPEND_ONLY = True

    release = models.ForeignKey(ReleaseRecord, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(FileDocument, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("release document")
        verbose_name_plural = _("release documents")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "document"], name="inhouse_releasedocument_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.document_id}"


# Clinical experience (h) --------------------------------------------------------------------


class Review(models.Model):
    """A review of the experience gained from clinical use of the device (MDR art. 5(5)(h)),
    with the counts the authority may ask for (docs/domain/inhouse.md#authority-requests): units
    or batches made, incidents and complaints in the period. Never changed (``APPEND_ONLY``); its
    corrective actions follow their own course."""

    APPEND_ONLY = True

    file = models.ForeignKey(
        InhouseDevice, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("file")
    )
    reviewed_on = models.DateField(_("reviewed on"))
    period_start = models.DateField(_("period from"))
    findings = models.TextField(_("findings"), max_length=TEXT_LENGTH)
    units_made = models.PositiveIntegerField(_("units or batches made"), default=0)
    incidents = models.PositiveIntegerField(_("incidents"), default=0)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("clinical review")
        verbose_name_plural = _("clinical reviews")
        ordering = ["-reviewed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("reviewed_on")),
                name="inhouse_review_period_before_review",
                violation_error_message=_("The period must begin before the review."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.file.file_number} {self.reviewed_on:%Y-%m-%d}"


class CorrectiveAction(models.Model):
    """A corrective action a review decided: what, who owns it, by when, and its verification.

    open → done (what was done) → verified (by another person than the owner, with how)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        VERIFIED = "verified", _("Verified")

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="actions", verbose_name=_("review")
    )
    description = models.TextField(_("action"), max_length=NOTE_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    done_note = models.TextField(
        _("what was done"), max_length=NOTE_LENGTH, blank=True, editable=False
    )
    verification = models.TextField(
        _("verification"), max_length=NOTE_LENGTH, blank=True, editable=False
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("verified by"),
    )

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description[:60]


# Sign-off and declaration ---------------------------------------------------------------------


class SignOff(models.Model):
    """One signature of the joint sign-off (docs/domain/inhouse.md#sign-off): the head of the
    using unit and the head of the manufacturing (medical technology) unit each sign that the
    device is fit for its purpose and meets art. 5(5). Never changed (``APPEND_ONLY``)."""

    APPEND_ONLY = True

    class Capacity(models.TextChoices):
        USING_UNIT = "using_unit", _("Head of the using unit")
        MEDICAL_TECHNOLOGY = "medical_technology", _("Head of medical technology")

    file = models.ForeignKey(
        InhouseDevice, on_delete=models.PROTECT, related_name="signoffs", verbose_name=_("file")
    )
    round = models.PositiveIntegerField(_("round"))
    capacity = models.CharField(_("signs as"), max_length=20, choices=Capacity.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    statement = models.TextField(_("statement"), max_length=NOTE_LENGTH)

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["file", "round", "signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "round", "capacity"],
                name="inhouse_signoff_one_per_capacity",
                violation_error_message=_("This has already been signed in this round."),
            ),
            models.UniqueConstraint(
                fields=["file", "round", "person"],
                name="inhouse_signoff_one_per_person",
                violation_error_message=_(
                    "One person cannot sign both: the sign-off needs two different people."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file.file_number} {self.get_capacity_display()}"


class Declaration(models.Model):
    """A published version of a health institution's public declaration (MDR art. 5(5)(e);
    MDCG 2023-1 Annex A): one per care provider, with a row per approved in-house device.

    Each version keeps its rows as they were published (``rows``) and its PDF/A in the file
    store; a new approval or change publishes the next version and keeps this one
    (``APPEND_ONLY``).
    """

    APPEND_ONLY = True

    care_provider = models.ForeignKey(
        CareProvider,
        on_delete=models.PROTECT,
        related_name="inhouse_declarations",
        verbose_name=_("health institution"),
    )
    version = models.PositiveIntegerField(_("version"))
    institution = models.CharField(_("institution"), max_length=200)
    address = models.TextField(_("address"), max_length=ADDRESS_LENGTH)
    responsible = models.CharField(_("responsible person"), max_length=200)
    responsible_title = models.CharField(_("function"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    reason = models.TextField(_("why published"), max_length=REASON_LENGTH)
    rows = models.JSONField(_("devices"), default=list, blank=True)
    pdf = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, related_name="+", verbose_name=_("PDF")
    )

    class Meta:
        verbose_name = _("public declaration")
        verbose_name_plural = _("public declarations")
        ordering = ["care_provider", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["care_provider", "version"], name="inhouse_declaration_one_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} v{self.version}"
