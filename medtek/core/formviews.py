"""One way to write a form page: access check (by the caller) → form → service → redirect.

A view finds its record through the app's scoping (``*_for_user``), builds its form and hands
:func:`form_view` the service call; the helper does the rest the same way everywhere: validate,
call the service, show the service's refusals on the form field by field, say what happened, and
redirect. Edit pages pass only the fields the person changed (:func:`changes_of`), and an edit
that changes nothing says so instead of "saved".
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .changes import Updated


def form_page(
    request: HttpRequest,
    form: BaseForm,
    title: str,
    cancel_url: str,
    *,
    template: str = "form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "title": title, "cancel_url": cancel_url, **(extra or {})},
    )


def add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's validation errors on the form, field by field where possible."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def changes_of(form: BaseForm) -> dict[str, Any]:
    """The cleaned values of the fields the person changed (what an update service takes)."""
    return {name: form.cleaned_data[name] for name in form.changed_data}


def form_view(
    request: HttpRequest,
    *,
    form: BaseForm,
    save: Callable[[BaseForm], Any],
    title: str,
    cancel_url: str,
    success_url: Callable[[Any], str] | str,
    success_message: Callable[[Any], str] | str | None = None,
    template: str = "form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render ``form``; on a valid POST call ``save(form)`` (a service call) and redirect.

    ``save`` returns the record it wrote, or an update service's :class:`Updated`: when that
    says nothing changed, the person is told so. A service's ``ValidationError`` goes back onto
    the form with everything the person typed kept.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            obj = result.obj if isinstance(result, Updated) else result
            if isinstance(result, Updated) and not result.changed:
                messages.info(request, _("Nothing changed: the record is as it was."))
            elif callable(success_message):
                messages.success(request, success_message(obj))
            else:
                messages.success(request, success_message or _("Changes saved."))
            return redirect(success_url(obj) if callable(success_url) else success_url)
    return form_page(request, form, title, cancel_url, template=template, extra=extra)
