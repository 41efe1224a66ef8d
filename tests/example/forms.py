from django import forms

from .models import ENTRY_FIELDS, Entry


class EntryForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = list(ENTRY_FIELDS)
