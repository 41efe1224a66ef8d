"""Reading uploaded tables: CSV as Swedish Excel writes it (``;`` or ``,``, UTF-8 with or without
BOM; Windows-1252 as a fallback) and XLSX. Yields (line number, {header: text}) per data row."""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook


class FileError(ValueError):
    """The file as a whole cannot be read (not a row error)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    file_format: str


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # older Swedish Excel "CSV (semikolonavgränsad)"


#: medtek's exports put ' before a cell a spreadsheet would take for a formula (see
#: ``medtek.core.exports``); reading takes it off again, so an export imports back as it was.
_GUARDED = ("'=", "'+", "'-", "'@")


def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith(_GUARDED) else cell


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def read_csv(data: bytes) -> Table:
    text = _decode(data)
    if not text.strip():
        raise FileError("The file is empty.")
    # No text holds it (PostgreSQL cannot even store it); a file saved as UTF-16 is full of it.
    if "\x00" in text:
        raise FileError(
            "The file holds the NUL character, which no text does: save it as CSV (UTF-8) or XLSX."
        )
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        headers = [h.strip() for h in next(reader)]
        if "'" in text:
            rows = [(reader.line_num, [_unguard(c.strip()) for c in row]) for row in reader]
        else:  # nothing guarded anywhere (most files): skip the check of every cell
            rows = [(reader.line_num, [c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        raise FileError(f"The CSV file cannot be read: {exc}") from exc
    return Table(headers=headers, rows=rows, file_format="csv")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(data: bytes) -> Table:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(f"The XLSX file cannot be read: {exc}") from exc
    ws = wb.worksheets[0]
    it: Iterator[tuple[object, ...]] = ws.iter_rows(values_only=True)
    try:
        headers = [_cell_text(h) for h in next(it)]
    except StopIteration:
        raise FileError("The file is empty.") from None
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, row in enumerate(it, start=2):
        rows.append((number, [_unguard(_cell_text(c)) for c in row[: len(headers)]]))
    wb.close()
    return Table(headers=headers, rows=rows, file_format="xlsx")


def read_table(data: bytes, filename: str) -> Table:
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        table = read_xlsx(data)
    else:
        table = read_csv(data)
    if not any(table.headers):
        raise FileError("The first row must name the columns.")
    seen: set[str] = set()
    for h in table.headers:
        key = h.casefold()
        if key and key in seen:
            raise FileError(f"The column {h!r} appears twice.")
        seen.add(key)
    return table
