"""Template tags for pages of other apps that link to in-house files (the device register shows
a device's file without importing this app: design.md, dependency direction)."""

from typing import Any

from django import template

from medtek.inhouse.access import may_keep_file

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open_inhouse_file(context: dict[str, Any]) -> bool:
    """May the user open an in-house file for some manufacturing unit?"""
    request = context.get("request")
    return request is not None and may_keep_file(request.user)
