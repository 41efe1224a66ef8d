"""Who sees an import session: the person who uploaded it; auditors and administrators see all."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from medtek.core.access import one_or_404
from medtek.organisation.access import has_role, region_root
from medtek.organisation.roles import Role

from .models import ImportSession


def sessions_visible_to(user: Any) -> QuerySet[ImportSession]:
    if not getattr(user, "is_authenticated", False):
        return ImportSession.objects.none()
    if user.is_superuser or has_role(user, {Role.AUDITOR, Role.ADMINISTRATOR}, region_root()):
        return ImportSession.objects.all()
    return ImportSession.objects.filter(created_by=user)


def session_for_user(user: Any, pk: Any, *, write: bool = False) -> ImportSession:
    """A session, or 404; only its uploader works on it (``write``)."""
    session: ImportSession = one_or_404(sessions_visible_to(user), pk)
    if write and session.created_by_id != user.pk:
        raise Http404
    return session
