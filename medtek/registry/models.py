"""The diary (diarium): cases (ärenden) and the documents (handlingar) registered in them
(docs/domain/registry.md).

A document is registered with the four facts of OSL (2009:400) ch. 5 § 2 — its date, its number,
who sent it or to whom it went, briefly what it concerns — and from then on it never silently
changes: a :class:`~medtek.core.records.VersionedRecord`, append-only at the database, corrected
by new versions, its content removable only by disposal under a recorded decision. What would
reveal data under secrecy (a patient, their health: OSL ch. 25 § 1) is kept in fields of its own,
never in the public entry.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtek.core.models import NumberSeries
from medtek.core.records import VersionedRecord
from medtek.core.text import REASON_LENGTH, TEXT_LENGTH
from medtek.organisation.models import Unit

#: Systems a region may keep its main diary in; a case or document can carry its number there.
EXTERNAL_SYSTEMS = ("Public 360", "Platina", "W3D3", "Ciceron", "Lex", "Evolution")


class ProcessCode(models.Model):
    """A process in the region's classification scheme (klassificeringsstruktur), e.g.
    ``3.1.2 Hantera avvikelser``: which activity a case belongs to."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class SecrecyProvision(models.Model):
    """A provision of the Public Access to Information and Secrecy Act that a document may be
    marked with (OSL ch. 5 § 5), e.g. ``OSL 25 kap. 1 §`` (health care: a person's health)."""

    reference = models.CharField(_("provision"), max_length=100, unique=True)
    title = models.CharField(_("what it protects"), max_length=300)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("secrecy provision")
        verbose_name_plural = _("secrecy provisions")
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


#: What a person gives and may change of a case, in form order (service, form, serializer).
CASE_FIELDS = (
    "title",
    "title_restricted",
    "unit",
    "officer",
    "classification",
    "parties",
    "external_system",
    "external_number",
)


class Case(models.Model):
    """A case (ärende) in the diary: its number from a number series (``MFT 2026/0042``,
    ``RS-LED26-0847``), its title (ärendemening) in a public form and, where the full title would
    reveal what is secret, a fuller restricted form; its responsible officer (handläggare), unit,
    classification and parties; open until closed, by whom and when."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("case number"), max_length=50, unique=True, editable=False)
    series = models.ForeignKey(
        NumberSeries, verbose_name=_("number series"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    title = models.CharField(
        _("title"),
        max_length=300,
        help_text=_("The public form of the title (ärendemening): nothing secret."),
    )
    title_restricted = models.TextField(
        _("full title (restricted)"),
        max_length=REASON_LENGTH,
        blank=True,
        help_text=_("The fuller title where the public form must leave something out."),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cases"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    classification = models.ForeignKey(
        ProcessCode,
        verbose_name=_("classification"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    parties = models.CharField(_("parties"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
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
    external_system = models.CharField(
        _("other diary system"),
        max_length=50,
        blank=True,
        help_text=_("Where the region's main diary keeps this case, e.g. Public 360."),
    )
    external_number = models.CharField(_("number there"), max_length=60, blank=True)
    last_document_seq = models.PositiveIntegerField(
        _("last document number"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-year", "-number"]
        indexes = [
            models.Index(fields=["external_number"], name="case_external_number_idx"),
            models.Index(fields=["unit", "status"], name="case_unit_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(external_number="") | ~models.Q(external_system=""),
                name="case_external_number_has_system",
                violation_error_message=_("Say which system the other number belongs to."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


#: What a person gives and may change of a document before it is registered, in form order.
DOCUMENT_FIELDS = (
    "direction",
    "kind",
    "date",
    "counterparty",
    "counterparty_restricted",
    "description",
    "details",
    "unit",
    "external_system",
    "external_number",
)
#: The secrecy marking (OSL ch. 5 § 5), given when the document is registered or corrected.
MARKING_FIELDS = ("secrecy_provision", "secrecy_marked_on", "secrecy_marked_by")
#: What a correction may change (the number and the case never change).
CORRECTABLE_FIELDS = (*DOCUMENT_FIELDS, *MARKING_FIELDS)


class Document(VersionedRecord):
    """A document (handling) in a case: received (incoming), sent (outgoing) or drawn up
    internally. Its number is the case number and a running suffix (``RS-LED26-0847-2``),
    given when it is registered.

    Registering records the four facts OSL ch. 5 § 2 requires — ``date``, ``number``,
    ``counterparty`` (sender or recipient) and ``description`` (briefly what it concerns) — and
    seals the document (core.records: append-only at the database; a correction is a new
    version). ``counterparty_restricted`` and ``details`` hold what the public entry must leave
    out (a patient's name, the fuller content); with a secrecy marking (OSL ch. 5 § 5:
    provision, date, the authority that marked it) the public diary shows only that the
    document exists and is covered by secrecy.

    Before registration a document waits in the registrar's inbox (``submitted_at``): a reply
    that reached a unit by e-mail, an outgoing report waiting to be registered.
    """

    DISPOSABLE_FIELDS = (
        "description",
        "details",
        "counterparty_restricted",
        "search_text",
        "search_restricted",
    )

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")
        INTERNAL = "internal", _("Drawn up internally")

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    number = models.CharField(_("document number"), max_length=60, blank=True, editable=False)
    seq = models.PositiveIntegerField(_("number in the case"), null=True, editable=False)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    kind = models.CharField(
        _("kind of document"),
        max_length=100,
        help_text=_("E.g. report, reply, memo (tjänsteutlåtande), decision."),
    )
    date = models.DateField(
        _("date"), help_text=_("The day it was received, or drawn up (sent) for one of ours.")
    )
    counterparty = models.CharField(
        _("from / to"),
        max_length=300,
        blank=True,
        help_text=_("Who sent it or to whom it went, as the public diary may show it."),
    )
    counterparty_restricted = models.CharField(
        _("from / to (restricted)"),
        max_length=300,
        blank=True,
        help_text=_("The sender or recipient where naming them would reveal a patient."),
    )
    description = models.CharField(
        _("what it concerns"),
        max_length=500,
        help_text=_("Briefly, and with nothing secret: it is shown in the public diary."),
    )
    details = models.TextField(
        _("fuller description (restricted)"),
        max_length=TEXT_LENGTH,
        blank=True,
        help_text=_("What the public entry leaves out."),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="documents"
    )
    secrecy_provision = models.ForeignKey(
        SecrecyProvision,
        verbose_name=_("secrecy provision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    secrecy_marked_on = models.DateField(_("marked on"), null=True, blank=True)
    secrecy_marked_by = models.CharField(_("marked by (authority)"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    external_system = models.CharField(_("other diary system"), max_length=50, blank=True)
    external_number = models.CharField(_("number there"), max_length=60, blank=True)
    #: What the diary's text search reads: the public facts in one column (and, apart, what only
    #: some may search), kept by ``refresh_search`` whenever a version is written, so a search is
    #: one indexed condition (a trigram index on PostgreSQL, migration 0003).
    search_text = models.TextField(editable=False, blank=True)
    search_restricted = models.TextField(editable=False, blank=True)

    class Meta(VersionedRecord.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date", "-id"]
        constraints = [
            *VersionedRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["number", "version"],
                condition=~models.Q(number=""),
                name="document_unique_number_version",
                violation_error_message=_("Another document already has this number."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(secrecy_provision__isnull=True, secrecy_marked_on__isnull=True)
                    | models.Q(secrecy_provision__isnull=False, secrecy_marked_on__isnull=False)
                ),
                name="document_marking_complete",
                violation_error_message=_("A secrecy marking needs its provision and its date."),
            ),
        ]
        indexes = [
            *VersionedRecord.Meta.indexes,
            models.Index(fields=["case", "seq"], name="document_case_seq_idx"),
            models.Index(fields=["number"], name="document_number_idx"),
            models.Index(fields=["-date", "-id"], name="document_date_idx"),
            models.Index(fields=["external_number"], name="document_external_number_idx"),
            models.Index(fields=["submitted_at"], name="document_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("(not registered yet)"))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.direction in (self.Direction.INCOMING, self.Direction.OUTGOING) and not (
            self.counterparty or self.counterparty_restricted
        ):
            errors["counterparty"] = str(
                _("Say who sent the document.")
                if self.direction == self.Direction.INCOMING
                else _("Say to whom the document went.")
            )
        if self.secrecy_provision_id and not self.secrecy_marked_on:
            errors["secrecy_marked_on"] = str(_("Give the date of the secrecy marking."))
        if self.secrecy_marked_on and not self.secrecy_provision_id:
            errors["secrecy_provision"] = str(_("Name the provision the marking rests on."))
        if self.external_number and not self.external_system:
            errors["external_system"] = str(_("Say which system the other number belongs to."))
        if errors:
            raise ValidationError(errors)

    def refresh_search(self) -> None:
        """Set the search columns from the document's facts (and its case's title)."""
        case_title = self.case.title if self.case_id else ""  # type: ignore[union-attr]
        self.search_text = " ".join(
            p
            for p in (
                self.number,
                self.external_number,
                self.kind,
                self.counterparty,
                self.description,
                case_title,
            )
            if p
        )
        self.search_restricted = " ".join(
            p for p in (self.counterparty_restricted, self.details) if p
        )

    @property
    def is_marked(self) -> bool:
        """Marked as (possibly) under secrecy: the public diary shows only that it exists."""
        return self.secrecy_provision_id is not None

    @property
    def is_waiting(self) -> bool:
        """In the registrar's inbox: submitted, not yet registered."""
        return self.sealed_at is None


class DocumentFile(models.Model):
    """A file of a document (the letter, its attachments), kept in core's file store. Frozen
    with its document once that is registered; a disposal empties ``file`` (the store then
    removes the content if nothing else uses it) and keeps the name."""

    SEALED_PARENT = "document"
    DISPOSABLE_FIELDS = ("file",)

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.ForeignKey(
        "core.StoredFile",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("file name"), max_length=255)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
