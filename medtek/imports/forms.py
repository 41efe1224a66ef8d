from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportSession
from .parsing import size_error


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "CSV with ; or , (as Excel saves it), or XLSX. The first row names the columns."
        ),
    )
    update_existing = forms.BooleanField(
        label=_("Update devices that are already in the register (matched by inventory number)"),
        required=False,
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        too_large = size_error(f.size)
        if too_large:
            raise forms.ValidationError(too_large)
        if not f.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return f


class MappingForm(forms.Form):
    """One choice per column of the file: which field it fills."""

    def __init__(self, *args: Any, session: ImportSession, columns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— unknown column —"))] + [
            (c.name, c.name + (" " + str(_("(calculated, not imported)")) if c.read_only else ""))
            for c in columns
        ]
        for i, header in enumerate(session.headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or _("(no name)"),
                choices=choices,
                required=False,
                initial=session.mapping.get(header, ""),
            )

    def mapping(self, headers: list[str]) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col_{i}", "") for i, h in enumerate(headers)}


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to import"), choices=ImportSession.Mode.choices, widget=forms.RadioSelect
    )
