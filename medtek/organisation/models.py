"""The organisation: region, administrations, units, care providers, people and role grants."""

import contextlib
import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from medtek.core.text import ADDRESS_LENGTH

from .roles import Role

_HSA_ID = re.compile(r"^SE\d{10}-[A-Za-z0-9]{1,31}$")


def validate_hsa_id(value: str) -> None:
    """HSA id: ``SE`` + the issuer's 10-digit organisation number + ``-`` + a local part."""
    if not _HSA_ID.match(value):
        raise ValidationError(
            _("%(value)s is not an HSA id (e.g. SE2321000032-abc1)."),
            params={"value": value},
            code="invalid_hsa_id",
        )


class User(AbstractUser):
    """A person who logs in to medtek (region employee, private care provider staff, auditor)."""

    title = models.CharField(_("title"), max_length=200, blank=True)
    hsa_id = models.CharField(_("HSA id"), max_length=64, blank=True, validators=[validate_hsa_id])
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def validate_org_number(value: str) -> None:
    """Swedish organisation number (organisationsnummer), 10 digits with a Luhn check digit."""
    try:
        orgnr.validate(value)
    except StdnumError:
        raise ValidationError(
            _("%(value)s is not a valid Swedish organisation number (NNNNNN-NNNN)."),
            params={"value": value},
            code="invalid_org_number",
        ) from None


class CareProvider(models.Model):
    """A care provider (vårdgivare): the region itself or a private provider under vårdval.

    Only the care provider where an event happened may report it to an authority
    (docs/domain/reporting.md#who-reports), so every unit knows its care provider and its operator
    kind.
    """

    class Operator(models.TextChoices):
        REGION = "region", _("The region (region-run)")
        PRIVATE = "private", _("Private provider under primary care choice (vårdval)")

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"), max_length=11, unique=True, validators=[validate_org_number]
    )
    operator = models.CharField(_("operator"), max_length=20, choices=Operator.choices)
    contract_reference = models.CharField(
        _("vårdval contract"),
        max_length=100,
        blank=True,
        help_text=_("The primary care choice agreement, for private providers."),
    )
    address = models.TextField(
        _("postal address"),
        max_length=ADDRESS_LENGTH,
        blank=True,
        help_text=_("Shown on the public declaration of in-house manufactured devices."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("care provider")
        verbose_name_plural = _("care providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.org_number:
            with contextlib.suppress(StdnumError):  # the field validator reports it
                self.org_number = orgnr.format(self.org_number)
        if self.operator == self.Operator.REGION and self.contract_reference:
            raise ValidationError(
                {"contract_reference": _("A region-run care provider has no vårdval contract.")}
            )


class Unit(models.Model):
    """A node of the organisation tree: region → administrations → clinics → units, any depth.

    A primary care centre (vårdcentral) is a unit of kind ``primary_care_centre`` that belongs to a
    care provider, region-run or private. ``path`` holds the ids from the root (``/1/4/17/``) so
    that "this unit and everything below it" is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        ADMINISTRATION = "administration", _("Administration (förvaltning)")
        HOSPITAL = "hospital", _("Hospital")
        CLINIC = "clinic", _("Clinic")
        DEPARTMENT = "department", _("Department")
        PRIMARY_CARE_CENTRE = "primary_care_centre", _("Primary care centre (vårdcentral)")
        BOARD = "board", _("Board or committee")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    care_provider = models.ForeignKey(
        CareProvider,
        verbose_name=_("care provider"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    hsa_id = models.CharField(_("HSA id"), max_length=64, blank=True, validators=[validate_hsa_id])
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["hsa_id"],
                condition=~models.Q(hsa_id=""),
                name="unit_hsa_id_unique",
                violation_error_message=_("Another unit already has this HSA id."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="unit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_primary_care_centre(self) -> bool:
        return self.kind == self.Kind.PRIMARY_CARE_CENTRE

    @property
    def is_private(self) -> bool:
        """Note: reads ``self.care_provider`` (a query unless selected with the unit)."""
        return self.care_provider.operator == CareProvider.Operator.PRIVATE

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]

    def ancestors(self) -> "models.QuerySet[Unit]":
        return Unit.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def clean(self) -> None:
        if self.kind == self.Kind.REGION and self.parent_id is not None:
            raise ValidationError({"parent": _("The region is the root: it has no parent.")})
        if self.kind != self.Kind.REGION and self.parent_id is None:
            raise ValidationError({"parent": _("Every unit but the region has a parent.")})
        if (
            self.pk
            and self.parent_id
            and self.parent is not None
            and (f"/{self.pk}/" in self.parent.path)
        ):
            raise ValidationError({"parent": _("A unit cannot be moved below itself.")})


class RoleGrant(models.Model):
    """A role held by a person on a unit, and so on every unit below it.

    Grants are never deleted: revoking one stamps ``revoked_at`` so that who could do what, when,
    stays answerable.
    """

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="grants"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user", "unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="rolegrant_one_active",
                violation_error_message=_("This person already has this role on this unit."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} @ {self.unit}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
