"""Forms parse and validate input for the diary; the views hand the cleaned data to services."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from medtek.core.models import NumberSeries
from medtek.core.widgets import DateInput

from .models import (
    CASE_FIELDS,
    CORRECTABLE_FIELDS,
    DOCUMENT_FIELDS,
    MARKING_FIELDS,
    Case,
    Document,
    SecrecyProvision,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (Django's documented pattern for ``<input multiple>``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def uploads(files: list[UploadedFile]) -> list[tuple[str, Any]]:
    """What the services take: (name, file) for each uploaded file."""
    return [(f.name or "file", f) for f in files]


_WIDGETS = {
    "date": DateInput(),
    "secrecy_marked_on": DateInput(),
    "details": forms.Textarea(attrs={"rows": 3}),
}


class _DocumentForm(forms.ModelForm):
    def __init__(self, *args: Any, units: Any = None, cases: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "unit" in self.fields and units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if "case" in self.fields and cases is not None:
            self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        if "secrecy_provision" in self.fields:
            self.fields["secrecy_provision"].queryset = SecrecyProvision.objects.filter(  # type: ignore[attr-defined]
                active=True
            )


class DocumentSubmitForm(_DocumentForm):
    """A unit user hands a document to the registrar: what came in, and its files."""

    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]

    class Meta:
        model = Document
        fields = [
            "unit",
            "case",
            *(
                f
                for f in DOCUMENT_FIELDS
                if f not in ("unit", "external_system", "external_number")
            ),
        ]
        widgets = _WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].required = False
        self.fields["direction"].initial = Document.Direction.INCOMING


class DocumentRegisterForm(_DocumentForm):
    """The registrar files a waiting document in its case and registers it."""

    class Meta:
        model = Document
        fields = ["case", *DOCUMENT_FIELDS, *MARKING_FIELDS]
        widgets = _WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].required = True


class DocumentDrawUpForm(_DocumentForm):
    """A document of our own, drawn up in a case and registered at once."""

    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]

    class Meta:
        model = Document
        fields = [f for f in (*DOCUMENT_FIELDS, *MARKING_FIELDS) if f != "unit"]
        widgets = _WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].initial = Document.Direction.OUTGOING


class DocumentCorrectForm(_DocumentForm):
    reason = forms.CharField(
        label=_("Why the document is corrected"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    class Meta:
        model = Document
        fields = list(CORRECTABLE_FIELDS)
        widgets = _WIDGETS


class CaseForm(forms.ModelForm):
    series = forms.ModelChoiceField(
        label=_("Number series"), queryset=NumberSeries.objects.all(), to_field_name="key"
    )

    class Meta:
        model = Case
        fields = ["series", *CASE_FIELDS]
        widgets = {"title_restricted": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, units: Any = None, officers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if officers is not None:
            self.fields["officer"].queryset = officers  # type: ignore[attr-defined]
        if self.instance.pk:
            del self.fields["series"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
