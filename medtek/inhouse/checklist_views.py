"""The Annex I checklist of an in-house file (MDR art. 5(5)(f);
docs/domain/inhouse.md#annex-i-checklist): every requirement of the file's regulation, by
chapter, assessed row by row.

Each row is its own small form. With htmx it posts to the item's URL and gets the row back
(with its errors, or saved) and the progress out of band; without JavaScript the same form posts
normally and the person is sent back to the row. Access as everywhere: whoever may see the file
reads its checklist, its keepers assess it (403 for the others), everyone else gets 404.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from medtek.core.changes import Updated
from medtek.core.formviews import add_service_errors
from medtek.core.text import NOTE_LENGTH, REASON_LENGTH, TEXT_LENGTH

from . import access, gates, services
from .models import ChecklistItem, FileDocument, InhouseDevice, assessed_q

#: The chapters of Annex I, by regulation.
CHAPTERS = {
    "MDR": {
        "I": gettext_lazy("General requirements"),
        "II": gettext_lazy("Requirements regarding design and manufacture"),
        "III": gettext_lazy("Requirements regarding the information supplied with the device"),
    },
    "IVDR": {
        "I": gettext_lazy("General requirements"),
        "II": gettext_lazy("Requirements regarding performance, design and manufacture"),
        "III": gettext_lazy("Requirements regarding information supplied with the device"),
    },
}

_APPLIES = {"yes": True, "no": False, "": None}


def _document_label(doc: FileDocument, *, current: bool) -> str:
    label = f"{doc.title} v{doc.version}"
    return label if current else _("%(document)s (superseded)") % {"document": label}


class ChecklistItemForm(forms.Form):
    """One row: does the requirement apply (and if not, why not), is it met, the justification of
    what is not fully met, and the evidence. ``documents`` are the file's current documents
    (evaluated once for the whole page); the row's own evidence stays selectable even when a
    newer version has superseded it, so that saving the row does not drop it."""

    applies = forms.ChoiceField(
        label=gettext_lazy("Applies"),
        required=False,
        choices=[
            ("", gettext_lazy("Not decided")),
            ("yes", gettext_lazy("Applies")),
            ("no", gettext_lazy("Does not apply")),
        ],
    )
    not_applicable_reason = forms.CharField(
        label=gettext_lazy("Why it does not apply"),
        required=False,
        widget=forms.Textarea,
        max_length=REASON_LENGTH,
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", gettext_lazy("Not assessed")), *ChecklistItem.Outcome.choices],
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification"),
        required=False,
        widget=forms.Textarea,
        max_length=TEXT_LENGTH,
    )
    evidence = forms.MultipleChoiceField(label=gettext_lazy("Evidence"), required=False)
    evidence_note = forms.CharField(
        label=gettext_lazy("Other evidence"),
        required=False,
        widget=forms.Textarea,
        max_length=NOTE_LENGTH,
    )

    def __init__(
        self, *args: Any, item: ChecklistItem, documents: list[FileDocument], **kwargs: Any
    ) -> None:
        own = list(item.evidence.all())
        kwargs.setdefault("prefix", f"item-{item.pk}")
        kwargs.setdefault(
            "initial",
            {
                "applies": {True: "yes", False: "no"}.get(item.applies, ""),  # type: ignore[arg-type]
                "not_applicable_reason": item.not_applicable_reason,
                "outcome": item.outcome,
                "justification": item.justification,
                "evidence": [str(d.pk) for d in own],
                "evidence_note": item.evidence_note,
            },
        )
        super().__init__(*args, **kwargs)
        current = {d.pk for d in documents}
        self.documents = {d.pk: d for d in [*documents, *own]}
        self.choices = [(str(d.pk), _document_label(d, current=True)) for d in documents] + [
            (str(d.pk), _document_label(d, current=False)) for d in own if d.pk not in current
        ]
        self.fields["evidence"].choices = self.choices  # type: ignore[attr-defined]

    def clean_applies(self) -> bool | None:
        return _APPLIES[self.cleaned_data.get("applies") or ""]

    def clean_evidence(self) -> list[FileDocument]:
        return [self.documents[int(pk)] for pk in self.cleaned_data.get("evidence") or []]

    def selected_evidence(self) -> set[str]:
        """The evidence chosen, as the strings the options carry (bound or not)."""
        return {str(v) for v in (self["evidence"].value() or [])}

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments: the fields the person changed (the service fills in
        what follows from them: "does not apply" clears the outcome), the evidence only when it
        changed."""
        data = {name: self.cleaned_data[name] for name in self.changed_data if name != "evidence"}
        if "evidence" in self.changed_data:
            data["evidence"] = self.cleaned_data["evidence"]
        return data


#: How each field of a row is shown: its control, in the row's order.
CONTROLS = (
    ("applies", "select"),
    ("not_applicable_reason", "textarea"),
    ("outcome", "select"),
    ("justification", "textarea"),
    ("evidence", "multiple"),
    ("evidence_note", "textarea"),
)


#: A field's label and choices, escaped, in the page's language.
Texts = dict[str, tuple[str, list[tuple[str, str]]]]


def _texts() -> Texts:
    """The labels and choices of a row's fields, resolved and escaped once for the whole page."""
    return {
        name: (
            escape(field.label),
            [(escape(v), escape(t)) for v, t in getattr(field, "choices", [])],
        )
        for name, field in ChecklistItemForm.base_fields.items()
    }


def _control(form: ChecklistItemForm, name: str, kind: str, texts: Texts) -> str:
    """A field of a row: its label, its control (Bootstrap, small) and its errors, linked to the
    control by ``aria-describedby``. Written out here rather than by widget templates, which
    would take most of the page's time: a page has a form per requirement, some 200 of them."""
    field = form[name]
    id_, html_name, errors = escape(field.auto_id), escape(field.html_name), field.errors
    label, choices = texts[name]
    css, aria = "", ""
    if errors:
        css, aria = " is-invalid", f' aria-invalid="true" aria-describedby="{id_}_errors"'
    html = f'<label class="form-label small mb-0" for="{id_}">{label}</label>'
    if kind == "textarea":
        value = field.value()
        html += (
            f'<textarea name="{html_name}" id="{id_}" rows="2" '
            f'class="form-control form-control-sm{css}"{aria}>\n'
            f"{escape('' if value is None else value)}</textarea>"
        )
    else:
        if kind == "select":
            value = field.value()
            chosen, multiple = {escape("" if value is None else value)}, ""
        else:
            choices = [(escape(v), escape(t)) for v, t in form.choices]
            chosen, multiple = {escape(v) for v in form.selected_evidence()}, ' multiple size="3"'
        options = (
            "".join(
                f'<option value="{v}"{" selected" if v in chosen else ""}>{t}</option>'
                for v, t in choices
            )
            or f'<option value="" disabled>{escape(_("The file has no documents yet"))}</option>'
        )
        html += (
            f'<select name="{html_name}" id="{id_}"{multiple} '
            f'class="form-select form-select-sm{css}"{aria}>{options}</select>'
        )
    if errors:
        messages_ = " ".join(escape(e) for e in errors)
        html += f'<div class="invalid-feedback d-block" id="{id_}_errors">{messages_}</div>'
    return html


@dataclass
class Row:
    item: ChecklistItem
    form: ChecklistItemForm | None
    url: str
    #: After a POST: "saved", or "unchanged" when the row was saved as it was.
    outcome: str = ""
    texts: Texts | None = None

    @property
    def key(self) -> str:
        """The row's element id (``#item-<pk>``, what a plain POST is sent back to)."""
        return f"item-{self.item.pk}"

    @property
    def indent(self) -> int:
        return min(max(self.item.requirement.level - 1, 0), 5)

    @property
    def controls(self) -> dict[str, SafeString]:
        if self.form is None:
            return {}
        texts = self.texts or _texts()
        return {
            name: mark_safe(_control(self.form, name, kind, texts))  # noqa: S308 (escaped)
            for name, kind in CONTROLS
        }


@dataclass
class Chapter:
    code: str
    title: str
    rows: list[Row]


def _items(file: InhouseDevice) -> Any:
    """The file's checklist in Annex I order, in one query with the evidence in another."""
    return (
        ChecklistItem.objects.filter(file=file)
        .select_related("requirement", "assessed_by")
        .prefetch_related("evidence")
        .order_by("requirement__position", "pk")
    )


def _may_assess(user: Any, file: InhouseDevice) -> bool:
    return (
        access.may_keep_file(user, file.manufacturer_unit)
        and file.status != InhouseDevice.Status.WITHDRAWN
    )


def _progress(file: InhouseDevice) -> dict[str, Any]:
    done, total = gates.checklist_progress(file)
    return {"done": done, "total": total}


def _checklist_url(file: InhouseDevice) -> str:
    return reverse("inhouse:checklist", args=[file.pk])


@login_required
@require_GET
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The file's Annex I checklist; its keepers get one form per row. ``?unassessed=1`` shows
    only the items still to assess."""
    file = access.inhouse_device_for_user(request.user, pk)
    may_assess = _may_assess(request.user, file)
    if may_assess:
        services.checklist_open(actor=request.user, inhouse_device=file)
    only_open = request.GET.get("unassessed") == "1"
    items = _items(file)
    if only_open:
        items = items.exclude(assessed_q())
    documents = list(services.current_documents(file)) if may_assess else []
    base = _checklist_url(file)  # an item's URL is the checklist's and the item's number
    texts = _texts()
    chapters: dict[str, Chapter] = {}
    titles = CHAPTERS.get(file.regulation, CHAPTERS["MDR"])
    for code, title in titles.items():
        chapters[code] = Chapter(code, str(title), [])
    for item in items:
        form = ChecklistItemForm(item=item, documents=documents) if may_assess else None
        chapter = item.requirement.chapter
        if chapter not in chapters:
            chapters[chapter] = Chapter(chapter, "", [])
        chapters[chapter].rows.append(Row(item, form, f"{base}{item.pk}/", texts=texts))
    return render(
        request,
        "inhouse/checklist.html",
        {
            "file": file,
            "chapters": [c for c in chapters.values() if c.rows],
            "may_assess": may_assess,
            "only_open": only_open,
            "progress": _progress(file),
        },
    )


def _row_response(
    request: HttpRequest, file: InhouseDevice, row: Row, may_assess: bool
) -> HttpResponse:
    context = {"file": file, "row": row, "may_assess": may_assess, "progress": _progress(file)}
    if request.headers.get("HX-Request"):
        return render(request, "inhouse/checklist_row_response.html", context)
    return render(request, "inhouse/checklist_item.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponseBase:
    """One row of the checklist. GET: the row (htmx) or a page of its own; POST: assess it
    through ``services.checklist_assess``. The item must be the file's; the file one the person
    may see (404) and, to assess, keep (403)."""
    file = access.inhouse_device_for_user(request.user, pk, write=request.method == "POST")
    item = get_object_or_404(_items(file), pk=item_pk)
    may_assess = _may_assess(request.user, file)
    if request.method == "POST" and not may_assess:
        raise PermissionDenied
    documents = list(services.current_documents(file)) if may_assess else []
    url = reverse("inhouse:checklist_item", args=[file.pk, item.pk])
    if request.method == "GET":
        form = ChecklistItemForm(item=item, documents=documents) if may_assess else None
        return _row_response(request, file, Row(item, form, url), may_assess)
    form = ChecklistItemForm(request.POST, item=item, documents=documents)
    if form.is_valid():
        try:
            result: Updated[ChecklistItem] = services.checklist_assess(
                actor=request.user, item=item, **form.changes()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.headers.get("HX-Request"):
                if result.changed:
                    messages.success(
                        request, _("%(code)s saved.") % {"code": item.requirement.code}
                    )
                else:
                    messages.info(request, _("Nothing changed: the record is as it was."))
                return redirect(f"{_checklist_url(file)}#item-{item.pk}")
            fresh = _items(file).get(pk=item.pk)
            form = ChecklistItemForm(item=fresh, documents=documents)
            done = "saved" if result.changed else "unchanged"
            return _row_response(request, file, Row(fresh, form, url, done), may_assess)
    # Refused: the row with its errors and what the person typed; nothing was saved. (A 200, as
    # form pages answer: htmx swaps only successful answers by default.)
    return _row_response(request, file, Row(item, form, url), may_assess)
