"""Streaming CSV and XLSX responses, shared by every list that exports.

CSV is written as Swedish Excel reads it: UTF-8 with a byte-order mark and ``;`` between fields
(another encoding and delimiter when a file goes back to where it came from, as the failed rows
of an import do).

No stored value breaks an export: a character an XLSX file cannot hold (a control character that
old data may still hold, see ``medtek.core.text``) is replaced by U+FFFD, visibly, and text a
spreadsheet would take for a formula is neutralised, in the header row as in every other: in
CSV with an apostrophe before it, the only way CSV has; in XLSX as a text cell marked "quote
prefix", which Excel shows as the text itself (``=HYPERLINK(…)``, no apostrophe) and keeps as
text when the cell is edited.
"""

import codecs
import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .text import printable

#: What a spreadsheet reads as the start of a formula (tab and CR too: Excel strips them first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The CSV of every export: what Swedish Excel reads without asking.
CSV_ENCODING = "utf-8-sig"
CSV_DELIMITER = ";"


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
    if isinstance(value, Promise):  # a translated header
        return str(value)
    return value


def csv_rows(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, delimiter: str = CSV_DELIMITER
) -> Iterator[str]:
    """The lines of a CSV file, as text; the byte-order mark comes with the encoding
    (:func:`encoded`)."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield writer.writerow([_guard(_cell(v)) for v in header])
    for row in rows:
        yield writer.writerow([_guard(_cell(v)) for v in row])


def encoded(chunks: Iterable[str], encoding: str = CSV_ENCODING) -> Iterator[bytes]:
    """The chunks in ``encoding``, with one byte-order mark at the start for ``utf-8-sig`` and
    ``utf-16``; a character the encoding lacks (cp1252 has no "→") becomes "?"."""
    encoder = codecs.getincrementalencoder(encoding)(errors="replace")
    for chunk in chunks:
        data = encoder.encode(chunk)
        if data:
            yield data
    tail = encoder.encode("", final=True)
    if tail:
        yield tail


def _guard(value: Any) -> Any:
    """Neutralise spreadsheet formulas in exported CSV text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = CSV_ENCODING,
    delimiter: str = CSV_DELIMITER,
) -> StreamingHttpResponse:
    charset = "utf-8" if encoding == CSV_ENCODING else encoding
    response = StreamingHttpResponse(
        encoded(csv_rows(header, rows, delimiter=delimiter), encoding),
        content_type=f"text/csv; charset={charset}",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as XLSX can hold it: text without the characters XML lacks, and text that
    openpyxl would write as a formula (``=…``) or an error (``#N/A``), or that Excel would
    evaluate once the cell is edited (``+``, ``-``, ``@``), as a quote-prefixed text cell."""
    value = _cell(value)
    if not isinstance(value, str):
        return value
    value = printable(value)
    if not value.startswith(("=", "+", "-", "@", "#")):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_xlsx(file: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Write an XLSX in openpyxl's write-only mode (constant memory for large lists)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([_xlsx_cell(ws, v) for v in header])
    for row in rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
    wb.save(file)


def xlsx_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
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
    fmt: str,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = CSV_ENCODING,
    delimiter: str = CSV_DELIMITER,
) -> StreamingHttpResponse | FileResponse:
    """The list as XLSX or CSV; ``encoding`` and ``delimiter`` apply to CSV."""
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows, encoding=encoding, delimiter=delimiter)


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
