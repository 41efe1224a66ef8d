"""Small helpers shared by every form page: render the generic form, show service errors."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def form_page(request: HttpRequest, form: BaseForm, title: str, cancel_url: str) -> HttpResponse:
    return render(request, "form.html", {"form": form, "title": title, "cancel_url": cancel_url})


def add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's validation errors on the form, field by field where possible."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
