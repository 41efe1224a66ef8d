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
