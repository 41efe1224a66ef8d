"""The exporters write whatever is stored: a character XLSX cannot hold is replaced visibly,
formula-like text stays text (in the header row too), and CSV comes in the encoding and with the
delimiter asked for; what medtek writes, its import reads back as it was."""

import csv
import io

from openpyxl import load_workbook

from medtek.core.exports import csv_rows, encoded, write_xlsx
from medtek.imports.parsing import read_table
from tests.imports.conftest import make_xlsx

HEADER = ['=HYPERLINK("http://evil.example";"Klicka")', "name", "-minus", "count"]
ROWS = [
    ["=1+1", "Sal\x1b3", "+46 8 123", 7],
    ["@SUM(A1:A9)", "#N/A", "-5 kr", 1.5],
    ["plain", "bell\x07 and del\x7f", "", None],
]


def _xlsx(header=HEADER, rows=ROWS):  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    write_xlsx(out, header, rows)
    return out.getvalue()


def test_xlsx_writes_formula_like_text_as_text_without_an_apostrophe() -> None:
    sheet = load_workbook(io.BytesIO(_xlsx())).active
    assert sheet is not None
    header, first, second, _third = list(sheet.iter_rows())

    for cell, text in [
        (header[0], HEADER[0]),
        (header[2], "-minus"),
        (first[0], "=1+1"),
        (first[2], "+46 8 123"),
        (second[0], "@SUM(A1:A9)"),
        (second[1], "#N/A"),
        (second[2], "-5 kr"),
    ]:
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), cell
    assert (header[1].value, header[1].quotePrefix) == ("name", False)
    assert (first[3].value, first[3].data_type) == (7, "n")


def test_xlsx_replaces_characters_it_cannot_hold_visibly() -> None:
    header = ["name\x1b", "note"]
    sheet = load_workbook(io.BytesIO(_xlsx(header, ROWS))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0][0] == "name\ufffd"
    assert rows[1][1] == "Sal\ufffd3"
    assert rows[3][1] == "bell\ufffd and del\ufffd"


def test_an_xlsx_export_imports_back_as_it_was() -> None:
    table = read_table(_xlsx(), "export.xlsx")

    assert table.headers == HEADER
    assert [cells for _n, cells in table.rows] == [
        ["=1+1", "Sal\ufffd3", "+46 8 123", "7"],
        ["@SUM(A1:A9)", "#N/A", "-5 kr", "1.5"],
        ["plain", "bell\ufffd and del\ufffd", "", ""],
    ]


def test_an_old_xlsx_export_with_apostrophes_imports_back_as_it_was() -> None:
    data = make_xlsx([["'=1+1", "'-5 kr"]], ["name", "note"])

    table = read_table(data, "old-export.xlsx")

    assert table.rows == [(2, ["=1+1", "-5 kr"])]


def test_csv_guards_the_header_as_well_as_the_cells() -> None:
    text = b"".join(encoded(csv_rows(HEADER, ROWS))).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))

    assert rows[0] == ["'" + HEADER[0], "name", "'-minus", "count"]
    assert rows[1][:3] == ["'=1+1", "Sal\x1b3", "'+46 8 123"]
    table = read_table(text.encode("utf-8-sig"), "export.csv")  # and reads back as it was
    assert table.headers == HEADER
    assert table.rows[0][1][:3] == ["=1+1", "Sal\x1b3", "+46 8 123"]


def test_csv_comes_in_the_encoding_and_with_the_delimiter_asked_for() -> None:
    rows = [["Förråd", "“citat” → pil"]]

    utf8 = b"".join(encoded(csv_rows(["a", "b"], rows)))
    cp1252 = b"".join(encoded(csv_rows(["a", "b"], rows, delimiter=","), "cp1252"))
    utf16 = b"".join(encoded(csv_rows(["a", "b"], rows * 3, delimiter="\t"), "utf-16"))

    assert utf8 == "\ufeffa;b\r\nFörråd;“citat” → pil\r\n".encode()
    assert cp1252 == "a,b\r\nFörråd,“citat” ? pil\r\n".encode("cp1252")  # no arrow in cp1252
    assert utf16.startswith(b"\xff\xfe") and utf16.count(b"\xff\xfe") == 1
    assert utf16.decode("utf-16") == "a\tb\r\n" + "Förråd\t“citat” → pil\r\n" * 3
