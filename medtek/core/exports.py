"""Streaming CSV and XLSX responses, shared by every list that exports.

CSV is written as Swedish Excel reads it: UTF-8 with a byte-order mark and ``;`` between fields.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M:%S")
        )
    if value is None:
        return ""
    return value


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_guard(_cell(v)) for v in row])


def _guard(value: Any) -> Any:
    """Neutralise spreadsheet formulas in exported text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_xlsx(file: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write an XLSX in openpyxl's write-only mode (constant memory for large lists)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(list(header))
    for row in rows:
        ws.append([_guard(_cell(v)) for v in row])
    wb.save(file)


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    tmp = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it when sent)
    write_xlsx(tmp, header, rows)
    tmp.seek(0)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_response(
    fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)


# As the interface shows it ------------------------------------------------------------------------


def presented(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    labels: dict[str, Any] | None = None,
    choices: dict[str, dict[Any, Any]] | None = None,
    booleans: Iterable[str] = (),
) -> tuple[list[str], Iterator[list[Any]]]:
    """An export with each column under its label (capitalised, as the interface heads a
    column) and each value as the interface shows it: a choice by its label, yes/no in words
    (in the active language). Columns without a label keep their name; other values go out as
    they are (dates stay dates, which spreadsheets and the import read). The import reads
    labels and shown values back (``medtek.imports.mapping``)."""
    labels = labels or {}
    choices = choices or {}
    yes_no = set(booleans)
    names = list(header)
    shown = [str(capfirst(labels[name])) if labels.get(name) else name for name in names]
    convert: list[tuple[int, dict[Any, str]]] = []
    for i, name in enumerate(names):
        if name in choices:
            convert.append((i, {code: str(label) for code, label in choices[name].items()}))
        elif name in yes_no:
            convert.append((i, {True: str(_("Yes")), False: str(_("No"))}))

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            out = list(row)
            for i, table in convert:
                value = out[i]
                if value is not None and value != "":
                    out[i] = table.get(value, value)
            yield out

    return shown, lines()


def model_presentation(
    model: Any, header: Sequence[str], fields: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, dict[Any, Any]], set[str]]:
    """(labels, choices, yes/no columns) for the columns of ``header`` that are fields of
    ``model``, or are given their field in ``fields`` (a related record's field, or a field
    under another name), from the fields' own labels and choices."""
    labels: dict[str, Any] = {}
    choices: dict[str, dict[Any, Any]] = {}
    booleans: set[str] = set()
    own = {f.name: f for f in model._meta.concrete_fields}
    own.update({f.attname: f for f in model._meta.concrete_fields})
    fields = {**own, **(fields or {})}
    for name in header:
        field = fields.get(name)
        if field is None:
            continue
        labels[name] = field.verbose_name
        if field.choices:
            choices[name] = dict(field.flatchoices)
        elif field.get_internal_type() == "BooleanField":
            booleans.add(name)
    return labels, choices, booleans
