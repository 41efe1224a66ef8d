"""Versioned records: once registered, sent, adopted or signed, never silently changed (ADR 0009).

A :class:`VersionedRecord` is a draft until it is **sealed** (registered, sent, adopted, signed:
:func:`record_seal`). From then on the database rejects every UPDATE and DELETE of its row
(core.append_only, installed by the model's migration), and of the rows that belong to it (its
file links, declared with ``SEALED_PARENT``). A **correction** is a new version that names the one
it supersedes, with who, when and why (:func:`record_correct`); the current version of every
record is one query away (``Model.objects.current()``), and the whole chain shares a ``lineage``.

The one path that removes content is **disposal** (gallring, :func:`record_dispose`): allowed only
under a recorded :class:`~medtek.core.models.DisposalDecision` that covers the record's kind and
whose retention time has run, it empties the fields the model declares ``DISPOSABLE_FIELDS`` in
every version (and those of its children), removes files nothing else uses, and leaves a
:class:`~medtek.core.models.DisposalTrace`. The audit trail never held that content in the first
place: ``audit.snapshot`` keeps a disposable field as its SHA-256 digest.

A model that numbers its records must make the number unique per version (``number`` with
``version``), since every version of a record carries its number.
"""

import datetime
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.core.text import REASON_LENGTH

from . import audit
from .access import rule
from .actions import Action
from .actors import require, user_or_none
from .changes import apply_changes
from .models import DisposalDecision, DisposalTrace

R = TypeVar("R", bound="VersionedRecord")

#: The fields every versioned record has, which no service sets directly.
VERSION_FIELDS = (
    "lineage",
    "version",
    "supersedes",
    "correction_reason",
    "created_at",
    "created_by",
    "sealed_at",
    "sealed_by",
    "disposal",
    "disposed_at",
)


class VersionedQuerySet(models.QuerySet[Any]):
    """Queries of a versioned model. (Typed loosely: the rows are whichever model's.)"""

    def current(self) -> "VersionedQuerySet":
        """Each record's current version: the one no later version supersedes.

        Written as NOT EXISTS, which PostgreSQL plans as an anti-join with a sound estimate
        (a LEFT JOIN … IS NULL on the reverse relation it estimated at one row, and then chose
        nested loops over whole tables: benchmarks/diary.py).
        """
        later = self.model._default_manager.filter(
            supersedes__isnull=False, supersedes=models.OuterRef("pk")
        )
        return self.filter(~models.Exists(later))

    def sealed(self) -> "VersionedQuerySet":
        return self.filter(**{"sealed_at__isnull": False})

    def versions_of(self, record: Any) -> "VersionedQuerySet":
        """Every version of ``record``, oldest first."""
        return self.filter(**{"lineage": record.lineage}).order_by("version")


class VersionedRecord(models.Model):
    """Base of the records that become append-only when sealed (see the module's docstring).

    A subclass declares ``DISPOSABLE_FIELDS`` (what a disposal may empty: text, a file) and,
    for the rows that belong to it, gives those models ``SEALED_PARENT`` (the name of their
    foreign key to it) and their own ``DISPOSABLE_FIELDS``.
    """

    DISPOSABLE_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: The fields of a lifecycle that goes on after sealing (a sent report: acknowledged,
    #: closed); the database lets an UPDATE of only these through (core.append_only).
    STATE_FIELDS: ClassVar[tuple[str, ...]] = ()

    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(
        _("reason for the correction"), max_length=REASON_LENGTH, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sealed_at = models.DateTimeField(_("sealed"), null=True, blank=True, editable=False)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sealed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposal = models.ForeignKey(
        "core.DisposalDecision",
        verbose_name=_("disposal decision"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposed_at = models.DateTimeField(_("disposed of"), null=True, blank=True, editable=False)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["lineage", "version"], name="%(app_label)s_%(class)s_one_per_version"
            )
        ]
        # Few records are ever corrected: the versions that supersede one, alone in an index, make
        # "the current versions" (NOT EXISTS a successor) cheap at any size.
        indexes = [
            models.Index(
                fields=["supersedes"],
                condition=models.Q(supersedes__isnull=False),
                name="%(app_label)s_%(class)s_successor",
            )
        ]

    @property
    def is_sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def is_disposed(self) -> bool:
        return self.disposal_id is not None  # type: ignore[attr-defined]

    @property
    def is_current(self) -> bool:
        """Note: one query unless ``superseded_by`` was selected with the record."""
        try:
            getattr(self, "superseded_by")  # noqa: B009 (a reverse relation mypy cannot see)
        except type(self).DoesNotExist:
            return True
        return False


def _children(record: VersionedRecord) -> list[tuple[type[models.Model], str]]:
    """The models whose rows belong to ``record``'s model (``SEALED_PARENT``), with the name of
    their foreign key to it."""
    found: list[tuple[type[models.Model], str]] = []
    for rel in record._meta.related_objects:
        child = rel.related_model
        if getattr(child, "SEALED_PARENT", None) == rel.field.name:
            found.append((child, rel.field.name))  # type: ignore[arg-type]
    return found


@transaction.atomic
def record_seal(
    *,
    actor: Any,
    record: R,
    action: str,
    reason: str = "",
    prepare: Callable[[R], None] | None = None,
) -> R:
    """Seal a draft (register, send, adopt, sign): from now on it only changes by correction.

    ``prepare(row)`` sets what sealing gives the record (its number, say) on the locked row
    before it is validated and sealed; the one event records the draft before and the sealed
    record after.
    """
    row: Any = type(record)._default_manager.select_for_update().get(pk=record.pk)
    if row.sealed_at is not None:
        raise ValidationError(_("This record is already registered; correct it instead."))
    before = audit.snapshot(row)
    if prepare is not None:
        prepare(row)
        row.full_clean()
    row.sealed_at, row.sealed_by = timezone.now(), user_or_none(actor)
    row.save()
    audit.record(
        actor=actor, action=action, obj=row, before=before, after=audit.snapshot(row), reason=reason
    )
    return row


def record_correct(
    *,
    actor: Any,
    record: R,
    changes: Mapping[str, Any],
    allowed: Collection[str],
    action: str,
    reason: str,
    children: Callable[[R, R], None] | None = None,
    prepare: Callable[[R], None] | None = None,
) -> R:
    """Correct a sealed record: a new, sealed version with ``changes`` that supersedes it.

    The corrected version stays as it was. ``reason`` (why) is required; ``children(old, new)``
    copies the rows that belong to the record (its file links) to the new version, before the
    new version is sealed; ``prepare(new)`` sets what derives from its fields (search columns)
    before it is validated. Only the current version can be corrected, and a correction that
    changes nothing is refused. The caller checks the actor's rights first.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is corrected.")})
    model: Any = type(record)
    try:
        with transaction.atomic():
            old: Any = model._default_manager.select_for_update().get(pk=record.pk)
            if old.sealed_at is None:
                raise ValidationError(_("This record is a draft: change it instead."))
            if old.disposal_id is not None:  # type: ignore[attr-defined]
                raise ValidationError(_("This record has been disposed of."))
            if not old.is_current:
                raise ValidationError(
                    _("This is not the current version; correct the current one.")
                )
            new: Any = model()
            for field in model._meta.concrete_fields:
                if not field.primary_key and field.name not in VERSION_FIELDS:
                    setattr(new, field.attname, getattr(old, field.attname))
            apply_changes(new, changes, allowed)
            new.lineage, new.version, new.supersedes = old.lineage, old.version + 1, old
            new.correction_reason = reason
            new.created_by = user_or_none(actor)
            if prepare is not None:
                prepare(new)
            new.full_clean(exclude=["supersedes"])
            content = [
                f
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name not in VERSION_FIELDS
            ]
            if all(getattr(new, f.attname) == getattr(old, f.attname) for f in content):
                raise ValidationError(_("The correction changes nothing."))
            new.save()
            if children is not None:
                children(old, new)
            new.sealed_at, new.sealed_by = timezone.now(), user_or_none(actor)
            new.save(update_fields=["sealed_at", "sealed_by"])
            audit.record(
                actor=actor,
                action=action,
                obj=new,
                before=audit.snapshot(old),
                after=audit.snapshot(new),
                reason=reason,
            )
            return new
    except IntegrityError:
        # A second correction of the same version at the same moment: the unique link to the
        # superseded version lets only one through.
        if model._default_manager.filter(supersedes=record.pk).exists():
            raise ValidationError(
                _("Someone corrected this record at the same moment; reload it and try again.")
            ) from None
        raise


def _empty(field: "models.Field[Any, Any]") -> Any:
    return None if field.null else ""


def _retained_until(record: VersionedRecord, decision: DisposalDecision) -> datetime.date | None:
    """The first day ``decision`` lets ``record`` go (None if it was never sealed)."""
    if record.sealed_at is None:
        return None
    sealed = timezone.localtime(record.sealed_at).date()
    try:
        return sealed.replace(year=sealed.year + decision.retention_years)
    except ValueError:  # 29 February
        return sealed.replace(year=sealed.year + decision.retention_years, day=28)


_MAY_NOT_DISPOSE = gettext_lazy("Only those who keep the region's archive may dispose of records.")


def record_dispose(
    *, actor: Any, record: VersionedRecord, decision: DisposalDecision, reason: str
) -> DisposalTrace:
    """Dispose of ``record`` (every version of it) under ``decision``: empty its disposable
    fields and those of its children, remove files nothing else uses, and leave a trace.

    Refused, naming each reason: the actor may not dispose (rule ``"dispose"``); the decision
    does not cover this kind of record; its retention time has not run; the record is a draft
    (a draft is not yet a registered record: it is discarded, not disposed of) or has been
    disposed of already; no reason is given.
    """
    require(actor, rule("dispose"), message=_MAY_NOT_DISPOSE)
    model = type(record)
    label = model._meta.label_lower
    with transaction.atomic():
        versions = list(
            model._default_manager.select_for_update()
            .filter(lineage=record.lineage)
            .order_by("version")
        )
        first = versions[0]
        problems = []
        if not reason.strip():
            problems.append(_("Say why the record is disposed of."))
        if label not in (decision.record_types or []):
            problems.append(
                _("The decision %(decision)s does not cover records of this kind.")
                % {"decision": decision.reference}
            )
        if first.sealed_at is None:
            problems.append(_("A draft is not disposed of: it was never registered."))
        elif any(v.disposal_id is not None for v in versions):  # type: ignore[attr-defined]
            problems.append(_("This record has already been disposed of."))
        else:
            until = _retained_until(first, decision)
            if until is not None and timezone.localdate() < until:
                problems.append(
                    _("The decision keeps this record until %(date)s.")
                    % {"date": until.isoformat()}
                )
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        emptied: set[str] = set()
        file_ids: set[Any] = set()
        for version in versions:
            _empty_fields(version, file_ids, emptied)
            version.disposal, version.disposed_at = decision, now  # type: ignore[assignment]
            version.save(update_fields=[*model.DISPOSABLE_FIELDS, "disposal", "disposed_at"])
        for child, fk in _children(first):
            for row in child._default_manager.filter(**{f"{fk}__in": [v.pk for v in versions]}):
                _empty_fields(row, file_ids, emptied, prefix=child._meta.model_name or "")
                row.save(update_fields=list(getattr(child, "DISPOSABLE_FIELDS", ())))
        files: list[dict[str, Any]] = []
        if file_ids:
            from .files import release

            files = release(file_ids)
        current = versions[-1]
        trace = DisposalTrace.objects.create(
            decision=decision,
            object_type=label,
            object_id=str(current.pk),
            object_repr=str(current)[:300],
            lineage=current.lineage,
            versions=len(versions),
            registered_at=first.sealed_at,
            fields=sorted(emptied),
            files=files,
            disposed_at=now,
            actor=user_or_none(actor),
            actor_name=audit.actor_display(actor),
            reason=reason,
        )
        audit.record(
            actor=actor,
            action=Action.RECORD_DISPOSE,
            obj=current,
            after={
                "decision": decision.reference,
                "versions": len(versions),
                "fields": sorted(emptied),
                "files": [f["sha256"] for f in files],
            },
            reason=reason,
        )
        return trace


def _empty_fields(
    row: models.Model, file_ids: set[Any], emptied: set[str], prefix: str = ""
) -> None:
    for name in getattr(type(row), "DISPOSABLE_FIELDS", ()):
        field = row._meta.get_field(name)
        value = getattr(row, field.attname)  # type: ignore[union-attr]
        if value in (None, ""):
            continue
        target: Any = getattr(field, "related_model", None)
        if target is not None and target._meta.label_lower == "core.storedfile":
            file_ids.add(value)
        setattr(row, field.attname, _empty(field))  # type: ignore[union-attr,arg-type]
        emptied.add(f"{prefix}.{name}" if prefix else name)


@transaction.atomic
def disposal_decision_record(
    *,
    actor: Any,
    reference: str,
    title: str,
    legal_basis: str,
    decided_by: str,
    decided_on: datetime.date,
    record_types: list[str],
    retention_years: int,
) -> DisposalDecision:
    """Record a disposal decision (rule ``"record_disposal_decision"``: administrators)."""
    require(
        actor,
        rule("record_disposal_decision"),
        message=gettext_lazy("Only an administrator records disposal decisions."),
    )
    from django.apps import apps

    labels = {m._meta.label_lower for m in apps.get_models() if issubclass(m, VersionedRecord)}
    unknown = sorted(set(record_types) - labels)
    if not record_types or unknown:
        raise ValidationError(
            {
                "record_types": _("Name the kinds of record the decision covers (%(kinds)s).")
                % {"kinds": ", ".join(sorted(labels)) or "—"}
            }
        )
    decision = DisposalDecision(
        reference=reference,
        title=title,
        legal_basis=legal_basis,
        decided_by=decided_by,
        decided_on=decided_on,
        record_types=sorted(set(record_types)),
        retention_years=retention_years,
        recorded_by=user_or_none(actor),
    )
    decision.full_clean()
    decision.save()
    audit.record(
        actor=actor,
        action=Action.DISPOSAL_DECISION_RECORD,
        obj=decision,
        after=audit.snapshot(decision),
    )
    return decision
