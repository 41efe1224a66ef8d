"""Template tags for the import pages, which belong to a lower app (``imports``) and so cannot
ask the catalogue themselves (design.md, dependency direction)."""

from typing import Any

from django import template

from medtek.devices import access, import_catalogue

register = template.Library()

#: Sessions whose rows can still be checked again against a grown catalogue.
_OPEN = ("uploaded", "validating", "validated")


@register.simple_tag(takes_context=True)
def unknown_device_models(context: dict[str, Any], session: Any) -> dict[str, Any]:
    """How many device models a devices import names that the catalogue lacks, and whether the
    user may add them (``count`` 0 for any other import or a closed one)."""
    request = context.get("request")
    if request is None or session.kind != "devices" or session.status not in _OPEN:
        return {"count": 0, "may_create": False}
    found = import_catalogue.proposals(session, request.user, validate=False)
    return {"count": len(found), "may_create": access.may_change_register(request.user)}
