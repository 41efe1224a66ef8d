"""Template helpers for accessible Bootstrap forms and sortable, paginated lists."""

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def control(field: BoundField) -> SafeString:
    """Render a widget with Bootstrap classes and ARIA links to its help text and errors."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type in ("checkbox", "radio"):
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, Any] = {"class": css}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> SafeString:
    """A column header that sorts by ``key``; a second click reverses the order.

    The sort state is announced with ``aria-sort`` on the header cell (the column header role
    supports it; a link does not, WCAG 4.1.2), and shown with an arrow.
    """
    current = context.get("sort", "")
    base = context.get("sort_query", "")
    if current == key:
        new, state = f"-{key}", "ascending"
    elif current == f"-{key}":
        new, state = key, "descending"
    else:
        new, state = key, ""
    href = f"?{base}&sort={new}" if base else f"?sort={new}"
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    if state:
        return format_html(
            '<th scope="col" aria-sort="{}"><a href="{}">{}<span aria-hidden="true">{}</span>'
            "</a></th>",
            state,
            href,
            label,
            arrow,
        )
    return format_html('<th scope="col"><a href="{}">{}</a></th>', href, label)
