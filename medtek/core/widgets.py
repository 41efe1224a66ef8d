"""Form widgets every app's forms and filters share."""

from typing import Any, cast

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

#: The label Django gives a form's empty choice (a model field's blank choice, a
#: ``ModelChoiceField``'s ``empty_label``). Filters have their own, "All"
#: (``FILTERS_EMPTY_CHOICE_LABEL`` in the settings).
DJANGO_EMPTY_LABEL = "---------"


def label_empty_choice(widget: dict[str, Any]) -> None:
    """Give a choice widget's empty option the words "Choose …" in place of Django's dashes."""
    for _group, options, _index in widget.get("optgroups", ()):
        for option in options:
            if option["value"] in ("", None) and option["label"] == DJANGO_EMPTY_LABEL:
                option["label"] = _("Choose …")


class FormRenderer(DjangoTemplates):
    """The project's form renderer (``FORM_RENDERER``): Django's, except that every form's empty
    choice reads "Choose …", whichever field or form built it."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict):
            label_empty_choice(widget)
        return super().render(template_name, context, request)


class DateInput(forms.DateInput):
    """The browser's own date picker; the value goes back and forth as ISO ``YYYY-MM-DD``."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")


def _attrs_html(attrs: dict[str, Any]) -> str:
    """What ``django/forms/widgets/attrs.html`` renders."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    """A select that renders its options in Python, into exactly the HTML that Django's
    ``select.html`` and ``select_option.html`` templates give.

    A filter over the catalogue offers hundreds of options, and rendering each through the
    template engine (two includes per option) cost the device list more than its queries. Any
    choice that the Python rendering does not cover (option groups, a label that is not text)
    falls back to the templates.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        label_empty_choice(widget)
        parts = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                return super().render(name, value, attrs, renderer)
            for option in options:
                label = option["label"]
                if not isinstance(label, str | Promise):
                    return super().render(name, value, attrs, renderer)
                parts.append(
                    f'\n  <option value="{escape(option["value"])}"{_attrs_html(option["attrs"])}>'
                    f"{conditional_escape(cast(str, label))}</option>\n"
                )
        parts.append("\n</select>")
        return mark_safe("".join(parts).strip())  # noqa: S308 (every value escaped above)
