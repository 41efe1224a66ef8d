"""The audit log's rows in words (medtek.core.presentation) for a list template."""

from collections.abc import Iterable

from django import template

from medtek.core.models import AuditEvent
from medtek.core.presentation import EventView, present

register = template.Library()


@register.filter
def in_words(events: Iterable[AuditEvent]) -> list[EventView]:
    """A page of events in words, without their changes (a list shows none): no query."""
    return present(events, None, changes=False)
