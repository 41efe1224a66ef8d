"""Every list page works the same: filter (one FilterSet shared with the API), search, sort,
paginate and export the filtered list."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import django_filters
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from .exports import export_response, model_presentation, presented


def list_page(
    request: HttpRequest,
    *,
    queryset: QuerySet[Any],
    filterset_class: type[django_filters.FilterSet],
    template: str,
    sort_fields: dict[str, str],
    default_sort: str,
    export_name: str,
    export_header: Sequence[str],
    export_row: Callable[[Any], Sequence[Any]],
    page_size: int = 50,
    extra: dict[str, Any] | None = None,
    export_labels: dict[str, Any] | None = None,
    export_fields: dict[str, Any] | None = None,
    export_words: tuple[Sequence[str], Callable[[Iterable[Any]], Iterable[Sequence[Any]]]]
    | None = None,
    export_choices: dict[str, dict[Any, Any]] | None = None,
) -> HttpResponseBase:
    """Render a list, or stream its export when ``?export=csv|xlsx`` is asked for.

    ``sort_fields`` maps the public sort key to a model field; ``-key`` sorts descending. The
    export shows the columns by their labels (the model's fields' own, those of the fields
    ``export_fields`` names for other columns, or ``export_labels``) and values as the page
    does (a field's choices by their labels, and ``export_choices`` for a column whose codes
    are not a field's choices); with ``&codes=1`` it gives field names and stored codes. A list
    whose rows are not one model's fields (the audit log) gives ``export_words``: the header in
    words and a function from the records to their rows in words, which sees them all (to look
    up what they refer to in batches).
    """
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    qs = filterset.qs if filterset.is_valid() else queryset.none()
    sort = request.GET.get("sort", default_sort)
    key = sort.lstrip("-")
    if key not in sort_fields:
        sort, key = default_sort, default_sort.lstrip("-")
    field = sort_fields[key]
    # Empty values sort last going up and first going down, on SQLite as on PostgreSQL (whose
    # default this is, so its indexes still serve the order).
    descending = sort.startswith("-")
    order = F(field).desc(nulls_first=True) if descending else F(field).asc(nulls_last=True)
    qs = qs.order_by(order, "-pk" if descending else "pk")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        if export_words is not None and request.GET.get("codes") != "1":
            words_header, words_rows = export_words
            return export_response(
                fmt, export_name, words_header, words_rows(qs.iterator(chunk_size=2000))
            )
        rows = (export_row(obj) for obj in qs.iterator(chunk_size=2000))
        if request.GET.get("codes") == "1":
            return export_response(fmt, export_name, export_header, rows)
        labels, choices, booleans = model_presentation(qs.model, export_header, export_fields)
        labels.update(export_labels or {})
        choices.update(export_choices or {})
        header, shown = presented(
            export_header, rows, labels=labels, choices=choices, booleans=booleans
        )
        return export_response(fmt, export_name, header, shown)
    page = Paginator(qs, page_size).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort,
        "query": params.urlencode(),
        "sort_query": sort_params.urlencode(),
        **(extra or {}),
    }
    return render(request, template, context)
