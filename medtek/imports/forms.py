import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import mapping as mapping_rules
from .models import ImportProfile, ImportSession
from .parsing import size_error

#: The mapping step's choice for a column that is left out of the import.
IGNORE = "__ignore__"


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
    profile = forms.ModelChoiceField(
        label=_("Mapping profile"),
        queryset=ImportProfile.objects.none(),
        required=False,
        empty_label=_("None: match the columns by their names"),
        help_text=_("A saved way to read files from one source (its columns and values)."),
    )

    def __init__(self, *args: Any, profiles: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["profile"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ImportProfile.objects.filter(pk__in=[p.pk for p in profiles])
        field.label_from_instance = _profile_label  # type: ignore[method-assign,assignment]
        if not profiles:
            del self.fields["profile"]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        too_large = size_error(f.size)
        if too_large:
            raise forms.ValidationError(too_large)
        if not f.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return f


def _profile_label(profile: ImportProfile) -> str:
    return f"{profile.name} (v{profile.version})"


class MappingForm(forms.Form):
    """One choice per column of the file: the field it fills, or leave it out. A suggested
    field (a close match of the header) is preselected, to be confirmed by saving."""

    def __init__(self, *args: Any, session: ImportSession, columns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            ("", _("— choose a field —")),
            (IGNORE, _("Leave this column out")),
        ] + [
            (
                c.name,
                c.display() + (" " + str(_("(calculated, not imported)")) if c.read_only else ""),
            )
            for c in columns
        ]
        ignored = set(session.ignored)
        for i, header in enumerate(session.headers):
            if header in ignored:
                initial = IGNORE
            else:
                initial = session.mapping.get(header) or session.suggestions.get(header, "")
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or _("(no name)"),
                choices=choices,
                required=False,
                initial=initial,
                help_text=_("Suggested: a close match of the header; save to confirm it.")
                if header in session.suggestions
                else "",
            )

    def mapping(self, headers: list[str]) -> dict[str, str]:
        return {
            h: self.cleaned_data.get(f"col_{i}", "")
            for i, h in enumerate(headers)
            if self.cleaned_data.get(f"col_{i}", "") not in ("", IGNORE)
        }

    def ignored(self, headers: list[str]) -> list[str]:
        return [h for i, h in enumerate(headers) if self.cleaned_data.get(f"col_{i}") == IGNORE]


class ValueMappingForm(forms.Form):
    """One choice per distinct value of a column whose field takes a fixed set of values (or a
    lookup such as units): what the value stands for. Each row carries its field and value in
    a hidden input, so the form posts exactly the values it showed."""

    def __init__(self, *args: Any, fields: list[mapping_rules.FieldValues], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[mapping_rules.FieldValues, list[tuple[Any, Any, Any]]]] = []
        i = 0
        for group in fields:
            choices = [("", _("— not mapped —")), *group.choices]
            rows = []
            for value in group.values:
                self.fields[f"k_{i}"] = forms.CharField(
                    widget=forms.HiddenInput,
                    initial=json.dumps([group.field, value.value]),
                )
                self.fields[f"v_{i}"] = forms.ChoiceField(
                    label=value.value,
                    choices=choices,
                    required=False,
                    initial=value.current or value.suggestion,
                )
                rows.append((value, self[f"v_{i}"], self[f"k_{i}"]))
                i += 1
            self.groups.append((group, rows))
        self.size = i

    def value_map(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for i in range(self.size):
            try:
                field, value = json.loads(self.cleaned_data.get(f"k_{i}") or "null")
            except (TypeError, ValueError):
                continue
            target = self.cleaned_data.get(f"v_{i}", "")
            out.setdefault(str(field), {})
            if target:
                out[str(field)][str(value)] = target
        return out


class ProfileSaveForm(forms.Form):
    name = forms.CharField(label=_("Profile name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False, widget=forms.TextInput
    )


class ProfileUploadForm(forms.Form):
    file = forms.FileField(label=_("Profile file (JSON)"))


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to import"), choices=ImportSession.Mode.choices, widget=forms.RadioSelect
    )
