"""Reading uploaded tables: CSV as Excel and the old registers write it and XLSX. Yields (line
number, {header: text}) per data row.

A CSV file may be UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode
text", tab-separated) or Windows-1252 (older Swedish Excel's "CSV (semikolonavgränsad)"); its
delimiter ``;``, ``,`` or tab. The table records which, so that the failed rows go back in the
same form (``ImportSession.encoding``, ``.delimiter``).

A file that is not a table is refused with what it is and what to do, never read as text: a PDF,
an image, an old ``.xls`` workbook, a ZIP archive that is no XLSX, anything with many bytes that
are no text; so is a file over ``IMPORT_MAX_BYTES``, and an XLSX whose formulas have no saved
values (read as blanks, they would import as missing data).
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol, cast
from xml.etree import ElementTree

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

from medtek.core import filetypes


class FileError(ValueError):
    """The file as a whole cannot be read (not a row error)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells)
    file_format: str
    #: As read, to write back in: ``utf-8-sig`` (with a byte-order mark), ``utf-8``, ``utf-16``
    #: (with a byte-order mark) or ``cp1252``; blank for XLSX.
    encoding: str = ""
    #: ``;``, ``,`` or a tab; blank for XLSX.
    delimiter: str = ""


def max_bytes() -> int:
    """The largest file an import reads (setting ``IMPORT_MAX_BYTES``)."""
    return int(settings.IMPORT_MAX_BYTES)


def size_error(size: int) -> str | None:
    """Why a file of ``size`` bytes cannot be imported, if it cannot."""
    limit = max_bytes()
    if size <= limit:
        return None
    return _("The file is %(size)s; at most %(limit)s can be imported: split it into parts.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


# What a file is --------------------------------------------------------------------------------

_ZIP = b"PK\x03\x04"
#: Bytes no text holds (C0 controls other than tab, LF, FF and CR, and DEL). A text file has
#: none, or a few in old data (which its rows then report); a binary file has them everywhere.
_NOT_TEXT = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_SNIFF = 8192
#: What the file store's sniffer finds that an import is sure to be unable to read.
_CONTAINERS = (filetypes.ZIP, filetypes.OLE)
_TEXTS = (filetypes.TEXT, filetypes.CSV, filetypes.XML, filetypes.EML)


def _what_binary(data: bytes) -> str | None:
    """Why a file that does not begin as a ZIP archive is no CSV table, if it is none: what it
    is, found from its bytes by the file store's sniffer (``medtek.core.filetypes``)."""
    head = data[:_SNIFF]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: NUL in every other byte
        return None
    half = len(head) // 2
    if half >= 8 and max(head[0::2].count(0), head[1::2].count(0)) > half * 0.9:
        return _(
            "The file looks like UTF-16 text without a byte-order mark, which cannot be read "
            "reliably: save it as “CSV UTF-8” in Excel, or as Excel's “Unicode text”."
        )
    # The head alone decides, except for a container, which the whole file tells apart (an
    # .xls from a .doc); the head of a text file is all a large CSV file costs.
    kind = filetypes.essence(filetypes.sniff(head))
    if kind in _CONTAINERS:
        kind = filetypes.essence(filetypes.sniff(data))
    if kind in _TEXTS:
        return None
    if kind in (filetypes.XLS, filetypes.OLE):
        return _(
            "This is %(kind)s, which cannot be read: open it in Excel and save it as XLSX or CSV."
        ) % {"kind": filetypes.KINDS[kind].description}
    if kind == filetypes.BINARY:
        # The sniffer takes a single control character for binary data; old registers' text
        # holds a few, which the rows then report by cell.
        if sum(head.count(b) for b in _NOT_TEXT) <= max(len(head) // 100, 8):
            return None
        return _(
            "The file does not hold text (many of its bytes are no characters), so it is no CSV "
            "file: save the table as XLSX or CSV."
        )
    return _("This is %(kind)s, not a table: save the table as XLSX or CSV.") % {
        "kind": filetypes.KINDS[kind].description
    }


# CSV -------------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _undecodable(line: int) -> FileError:
    return FileError(
        _(
            "Line %(line)d holds characters that are neither UTF-8 nor Windows-1252: save the "
            "file as “CSV UTF-8” in Excel (or as UTF-8 in another program) and upload it again."
        )
        % {"line": line}
    )


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(_line_of(data, exc.start + 3)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise _undecodable(line) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    if _UTF8_MULTIBYTE.search(data):
        # Most of the file is UTF-8 (ä as two bytes), so the byte that is not is a mistake (a
        # line pasted from another file), not a sign of Windows-1252: read as that, the file's
        # every ä would turn into "Ã¤".
        raise _undecodable(_line_of(data, utf8_error))
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:  # the five bytes cp1252 leaves undefined
        raise _undecodable(_line_of(data, exc.start)) from None


#: medtek's CSV exports put ' before a cell a spreadsheet would take for a formula (see
#: ``medtek.core.exports``), and so did its XLSX exports before they wrote such cells as text;
#: reading takes it off again, so an export imports back as it was.
_GUARDED = ("'=", "'+", "'-", "'@")


def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith(_GUARDED) else cell


def _delimiter(first_line: str) -> str:
    semicolons, commas, tabs = (first_line.count(d) for d in (";", ",", "\t"))
    if tabs > max(semicolons, commas):
        return "\t"
    return ";" if semicolons >= commas else ","


def read_csv(data: bytes) -> Table:
    binary = _what_binary(data)
    if binary:
        raise FileError(binary)
    text, encoding = _decode(data)
    if not text.strip():
        raise FileError(_("The file is empty."))
    # No text holds it (PostgreSQL cannot even store it); a file saved as UTF-16 without a
    # byte-order mark is full of it.
    if "\x00" in text:
        raise FileError(
            _(
                "The file holds the NUL character, which no text does: save it as CSV (UTF-8) "
                "or XLSX."
            )
        )
    first_line = text.splitlines()[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # The header row too: medtek guards it as well (a failed-rows file coming back).
        headers = [_unguard(h.strip()) for h in next(reader)]
        if "'" in text:
            rows = [(reader.line_num, [_unguard(c.strip()) for c in row]) for row in reader]
        else:  # nothing guarded anywhere (most files): skip the check of every cell
            rows = [(reader.line_num, [c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        raise FileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    return Table(
        headers=headers, rows=rows, file_format="csv", encoding=encoding, delimiter=delimiter
    )


# XLSX ------------------------------------------------------------------------------------------


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


#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" …/>``, with a prefix or not).
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
#: Cell types whose saved value may be empty (a formula that gives "").
_TEXT_TYPES = frozenset({"s", "str", "inlineStr"})
_SHOWN_CELLS = 2


class _SheetSource(Protocol):
    """openpyxl's ``ReadOnlyWorksheet``, which opens its XML from the archive on each call."""

    def _get_source(self) -> IO[bytes]: ...


def _holds_formulas(source: IO[bytes]) -> bool:
    """Does the worksheet XML hold a formula? One pass over its bytes, without parsing them."""
    tail = b""
    while chunk := source.read(1 << 20):
        if _FORMULA.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def _formulas_without_values(source: IO[bytes]) -> list[str]:
    """The cells (``C2``) with a formula but no saved value, as a program that does not compute
    (a script, some exporters) leaves them: openpyxl's ``data_only`` reads them as blanks."""
    missing = []
    # Expat (2.4 and later) expands no entity bombs and ElementTree fetches nothing; openpyxl
    # has just parsed the same XML the same way.
    for _event, element in ElementTree.iterparse(source):  # noqa: S314
        tag = element.tag.rpartition("}")[2]
        if tag == "row":
            element.clear()
        if tag != "c":
            continue
        children = {child.tag.rpartition("}")[2]: child for child in element}
        if "f" in children:
            value = children.get("v")
            if value is None or (not value.text and element.get("t") not in _TEXT_TYPES):
                missing.append(element.get("r", "?"))
        element.clear()
    return missing


def _formula_error(cells: list[str]) -> FileError:
    shown = ", ".join(cells[:_SHOWN_CELLS])
    more = len(cells) - _SHOWN_CELLS
    if more > 0:
        where = ngettext(
            "%(cells)s and %(n)d more cell hold formulas without saved values",
            "%(cells)s and %(n)d more cells hold formulas without saved values",
            more,
        ) % {"cells": shown, "n": more}
    else:
        where = ngettext(
            "%(cells)s holds a formula without a saved value",
            "%(cells)s hold formulas without saved values",
            len(cells),
        ) % {"cells": " and ".join(cells)}
    return FileError(
        _("%(where)s: open the file in Excel and save it again, or paste the values.")
        % {"where": where}
    )


def _zip_error(data: bytes) -> str | None:
    """Why a ZIP archive is no XLSX workbook, if it is none."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None  # let openpyxl say what is wrong with it
    if "xl/workbook.xml" in names:  # .xlsx, and .xlsm, which openpyxl reads as well
        return None
    kind = filetypes.essence(filetypes.sniff(data))
    return _("This is %(kind)s, not an XLSX workbook: save the table as XLSX or CSV.") % {
        "kind": filetypes.KINDS.get(kind, filetypes.KINDS[filetypes.ZIP]).description
    }


def read_xlsx(data: bytes) -> Table:
    problem = _zip_error(data)
    if problem:
        raise FileError(problem)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileError(_("The XLSX file cannot be read: %(error)s") % {"error": exc}) from exc
    try:
        if not wb.worksheets:
            raise FileError(_("The file is empty."))
        ws = wb.worksheets[0]
        # The sheet's XML as openpyxl's read-only sheet reads it from the open archive.
        sheet = cast(_SheetSource, ws)
        source = sheet._get_source()
        try:
            formulas = _holds_formulas(source)
        finally:
            source.close()
        if formulas:
            source = sheet._get_source()
            try:
                missing = _formulas_without_values(source)
            finally:
                source.close()
            if missing:
                raise _formula_error(missing)
        it: Iterator[tuple[object, ...]] = ws.iter_rows(values_only=True)
        try:
            headers = [_unguard(_cell_text(h)) for h in next(it)]
        except StopIteration:
            raise FileError(_("The file is empty.")) from None
        while headers and not headers[-1]:
            headers.pop()
        rows = []
        for number, row in enumerate(it, start=2):
            rows.append((number, [_unguard(_cell_text(c)) for c in row[: len(headers)]]))
    finally:
        wb.close()
    return Table(headers=headers, rows=rows, file_format="xlsx")


def read_table(data: bytes, filename: str) -> Table:
    """The table in an uploaded file; ``FileError`` says why a file cannot be read."""
    too_large = size_error(len(data))
    if too_large:
        raise FileError(too_large)
    # By its content, whatever its name: Excel users rename files, and a ".csv" may be anything.
    table = read_xlsx(data) if data.startswith(_ZIP) else read_csv(data)
    if not any(table.headers):
        raise FileError(_("The first row must name the columns."))
    seen: set[str] = set()
    for h in table.headers:
        key = h.casefold()
        if key and key in seen:
            raise FileError(_("The column %(column)r appears twice.") % {"column": h})
        seen.add(key)
    return table
