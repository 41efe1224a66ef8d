"""Who sees and does what in the diary (design.md, Access; docs/domain/registry.md).

- Anyone with a role on a case's unit (or above it) reads the case and its documents' public
  facts; a case officer reads their own cases wherever they are. Staff of a private primary care
  centre thus see only their centre's cases. Auditors, holding their role on the region, read
  everything and write nothing.
- Registrars register, correct and keep the cases of their units. Any unit user (not an
  auditor) may submit a document to the inbox for their own unit, and sees what they submitted.
- A case officer works in their cases: changes the case, closes and reopens it.
- What a marked document keeps apart (``details``, ``counterparty_restricted``; a case's
  ``title_restricted``) is read by the registrars, the case officer and the patient-safety
  officers — never by the public, and not by other roles.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from medtek.core.access import one_or_404
from medtek.core.records import VersionedQuerySet
from medtek.organisation.access import grants_of, has_role, holds_role_on_region, path_q
from medtek.organisation.models import Unit
from medtek.organisation.roles import READ_ONLY_ROLES, Role

from .models import Case, Document, DocumentFile

REGISTRARS = frozenset({Role.REGISTRAR})
RESTRICTED_READERS = frozenset({Role.REGISTRAR, Role.PATIENT_SAFETY_OFFICER})
LIST_KEEPERS = frozenset({Role.REGISTRAR, Role.ADMINISTRATOR})
SUBMITTERS = frozenset(Role.values) - READ_ONLY_ROLES


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# Cases ------------------------------------------------------------


def cases_visible_to(user: Any) -> QuerySet[Case]:
    if not _authenticated(user):
        return Case.objects.none()
    if grants_of(user).superuser or holds_role_on_region(user):
        # A role on the region covers every unit: no condition to test on every row.
        return Case.objects.all()
    return Case.objects.filter(path_q(user, "unit__path") | Q(officer=user))


def case_for_user(user: Any, pk: Any, *, write: bool = False) -> Case:
    """One case, or 404; with ``write``, 403 unless the user works in it."""
    case: Case = one_or_404(
        cases_visible_to(user).select_related("unit", "officer", "classification", "series"), pk
    )
    if write and not may_work_in_case(user, case):
        raise PermissionDenied
    return case


def may_open_case(user: Any, unit: Unit | None = None) -> bool:
    return has_role(user, REGISTRARS, unit)


def may_work_in_case(user: Any, case: Case) -> bool:
    """The registrars of the case's unit and its officer."""
    if has_role(user, REGISTRARS, case.unit):
        return True
    return bool(_authenticated(user) and case.officer_id == user.pk)


# Documents ------------------------------------------------------------


def documents_visible_to(user: Any) -> VersionedQuerySet:
    """Documents of the cases the user sees; documents waiting in the inbox to those with a
    role on their unit (registrars among them) and to whoever submitted them."""
    if not _authenticated(user):
        return Document.objects.none()
    if grants_of(user).superuser or holds_role_on_region(user):
        return Document.objects.all()
    in_cases = Q(case__in=cases_visible_to(user).values("pk"))
    return Document.objects.filter(in_cases | path_q(user, "unit__path") | Q(submitted_by=user))


def document_for_user(user: Any, pk: Any, *, write: bool = False) -> Document:
    """One document, or 404; with ``write``, 403 unless the user may register (and correct)
    documents of its unit."""
    document: Document = one_or_404(
        documents_visible_to(user).select_related(
            "case", "unit", "secrecy_provision", "submitted_by", "sealed_by"
        ),
        pk,
    )
    if write and not may_register(user, document.unit):
        raise PermissionDenied
    return document


def may_register(user: Any, unit: Unit | None = None) -> bool:
    """Registrars register and correct documents (of their units)."""
    return has_role(user, REGISTRARS, unit)


def may_submit(user: Any, unit: Unit | None = None) -> bool:
    """Anyone with a role on the unit that may write at all (auditors only read)."""
    return has_role(user, SUBMITTERS, unit)


def submission_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(path_q(user, roles=SUBMITTERS))


def registration_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(path_q(user, roles=REGISTRARS))


INBOX_READERS = REGISTRARS | {Role.AUDITOR}


def may_read_inbox(user: Any) -> bool:
    """Registrars work the inbox; auditors read it (how long documents wait is evidence)."""
    return has_role(user, INBOX_READERS)


def inbox_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(path_q(user, roles=INBOX_READERS))


def may_attach(user: Any, document: Document) -> bool:
    """Files are added to a waiting document by the unit's registrars or by its submitter."""
    if access_registers(user, document.unit):
        return True
    return bool(_authenticated(user) and document.submitted_by_id == user.pk)


def access_registers(user: Any, unit: Unit) -> bool:
    return has_role(user, REGISTRARS, unit)


def may_read_restricted(
    user: Any, document: Document | None = None, case: Case | None = None
) -> bool:
    """Registrars and patient-safety officers of the unit, and the case officer, read what the
    public entry leaves out."""
    case = case or (document.case if document is not None else None)
    unit = document.unit if document is not None else (case.unit if case is not None else None)
    if has_role(user, RESTRICTED_READERS, unit):
        return True
    return bool(case is not None and _authenticated(user) and case.officer_id == user.pk)


def may_read_restricted_anywhere(user: Any) -> bool:
    """For histories and audit exports, which are not tied to one case: registrars and
    patient-safety officers."""
    return has_role(user, RESTRICTED_READERS)


def document_files_visible_to(user: Any) -> QuerySet[DocumentFile]:
    return DocumentFile.objects.filter(document__in=documents_visible_to(user).values("pk"))


# The lists the region keeps ------------------------------------------------------------


def lists_visible_to(model: type[Model]) -> Callable[[Any], QuerySet[Any]]:
    """Classifications and secrecy provisions are read by every signed-in person."""

    def visible(user: Any) -> QuerySet[Any]:
        return (
            model._default_manager.all() if _authenticated(user) else model._default_manager.none()
        )

    return visible


def may_keep_lists(user: Any) -> bool:
    return has_role(user, LIST_KEEPERS)
