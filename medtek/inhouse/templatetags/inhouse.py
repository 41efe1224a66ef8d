"""Template tags for pages of other apps that link to in-house files (the device register shows
a device's file without importing this app: design.md, dependency direction)."""

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist

from medtek.inhouse.access import may_keep_file
from medtek.inhouse.models import InhouseDevice

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open_inhouse_file(context: dict[str, Any]) -> bool:
    """May the user open an in-house file for some manufacturing unit?"""
    request = context.get("request")
    return request is not None and may_keep_file(request.user)


#: The states of a file in which its devices may not be used in care.
_NOT_FOR_USE = (InhouseDevice.Status.SUSPENDED, InhouseDevice.Status.WITHDRAWN)


@register.filter
def not_for_clinical_use(model: Any) -> bool:
    """Is ``model`` (a device model) an in-house device whose file is suspended or withdrawn?

    Note: reads ``model.inhouse_file``, one query per model unless the list selected it
    (``select_related("model__inhouse_file")``)."""
    if model is None or getattr(model, "conformity", None) != "in_house":
        return False
    try:
        file = model.inhouse_file
    except ObjectDoesNotExist:
        return False
    return file is not None and file.status in _NOT_FOR_USE


@register.simple_tag
def release_of(device: Any) -> Any:
    """The manufacturing and release record of an in-house ``device`` (MDR art. 5(5)(g)), with
    who made it: each unit traceable to its maker (and, through the register, to the unit that
    uses it). ``None`` when it has none."""
    from medtek.inhouse.models import ReleaseRecord

    if device is None or not getattr(device.model, "is_in_house", False):
        return None
    return (
        ReleaseRecord.objects.filter(device=device)
        .select_related("made_by")
        .prefetch_related("documents")
        .first()
    )
