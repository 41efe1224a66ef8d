"""Reading uploaded tables as people produce them: Swedish Excel's CSV (``;``, UTF-8 with a BOM,
or Windows-1252 from older versions), plain ``,`` CSV, and XLSX."""

import datetime

import pytest

from medtek.imports.parsing import FileError, read_table
from tests.imports.conftest import make_csv, make_xlsx

HEADER = ["inventory_number", "manufacturer", "location"]
ROWS = [["MT-1", "Philips", "Sal 3"], ["MT-2", "B. Braun", "Förråd"]]


def test_it_reads_semicolons_with_a_bom_as_swedish_excel_writes_them() -> None:
    data = make_csv(ROWS, HEADER, delimiter=";", bom=True)
    assert data.startswith(b"\xef\xbb\xbf")

    table = read_table(data, "enheter.csv")

    assert table.headers == HEADER  # no "\ufeff" glued to the first header
    assert table.rows == [(2, ROWS[0]), (3, ROWS[1])]
    assert table.file_format == "csv"


def test_it_reads_commas_without_a_bom() -> None:
    table = read_table(make_csv(ROWS, HEADER, delimiter=",", bom=False), "devices.csv")

    assert table.headers == HEADER
    assert [cells for _, cells in table.rows] == ROWS


def test_it_reads_windows_1252_from_older_excel() -> None:
    data = make_csv(ROWS, HEADER, bom=False, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    table = read_table(data, "gammal.csv")

    assert table.rows[1][1] == ["MT-2", "B. Braun", "Förråd"]


def test_it_keeps_a_comma_inside_a_semicolon_file() -> None:
    data = make_csv([["MT-1", "Smith, Jones & Co", "Sal 3"]], HEADER, delimiter=";")

    table = read_table(data, "devices.csv")

    assert table.rows[0][1] == ["MT-1", "Smith, Jones & Co", "Sal 3"]


def test_it_keeps_quoted_line_breaks_and_numbers_rows_by_file_line() -> None:
    data = make_csv([["MT-1", "Philips", "Sal 3\nbakre hyllan"], ["MT-2", "Mindray", ""]], HEADER)

    table = read_table(data, "devices.csv")

    # A row's number is the line where it ends, as the editor shows it.
    assert [number for number, _ in table.rows] == [3, 4]
    assert table.rows[0][1][2] == "Sal 3\nbakre hyllan"


def test_it_strips_spaces_around_cells_and_headers() -> None:
    data = b" inventory_number ; manufacturer\r\n MT-1 ;Philips \r\n"

    table = read_table(data, "devices.csv")

    assert table.headers == ["inventory_number", "manufacturer"]
    assert table.rows == [(2, ["MT-1", "Philips"])]


def test_it_reads_xlsx_with_dates_and_numbers_as_text() -> None:
    data = make_xlsx(
        [["MT-1", datetime.datetime(2024, 3, 1), 12345.0], ["MT-2", None, 7.5]],
        ["inventory_number", "acceptance_checked_on", "serial_number"],
    )

    table = read_table(data, "devices.xlsx")

    assert table.file_format == "xlsx"
    assert table.headers == ["inventory_number", "acceptance_checked_on", "serial_number"]
    assert table.rows == [(2, ["MT-1", "2024-03-01", "12345"]), (3, ["MT-2", "", "7.5"])]


def test_it_recognises_xlsx_by_its_content_whatever_the_name() -> None:
    data = make_xlsx([["MT-1"]], ["inventory_number"])

    assert read_table(data, "export.csv").file_format == "xlsx"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "blank.csv", "The file is empty."),
        (b";;\r\nMT-1;x;y\r\n", "noheader.csv", "The first row must name the columns."),
        (b"PK\x03\x04 not really a workbook", "broken.xlsx", "The XLSX file cannot be read"),
        (b"inventory_number;unit\r\nMT\x00-1;Unit A\r\n", "nul.csv", "the NUL character"),
        ("inventory_number;unit\r\n".encode("utf-16"), "unicode.csv", "the NUL character"),
        (
            b"inventory_number;Inventory_Number\r\nMT-1;MT-2\r\n",
            "twice.csv",
            "The column 'Inventory_Number' appears twice.",
        ),
    ],
)
def test_it_rejects_a_file_it_cannot_read_with_a_reason(
    data: bytes, filename: str, message: str
) -> None:
    with pytest.raises(FileError) as exc:
        read_table(data, filename)

    assert message in str(exc.value)


def test_it_returns_blank_rows_for_the_workflow_to_skip() -> None:
    data = make_csv([["MT-1", "Philips", ""], ["", "", ""], [], ["MT-2", "Mindray", ""]], HEADER)

    table = read_table(data, "devices.csv")

    assert [(n, any(cells)) for n, cells in table.rows] == [
        (2, True),
        (3, False),
        (4, False),
        (5, True),
    ]


def test_it_takes_off_the_quote_medtek_exports_put_before_formula_like_cells() -> None:
    data = make_csv(
        [["MT-1", "'=Philips", "'-1 Förråd"], ["MT-2", "'+46 plan", "'t Hooft's rum"]], HEADER
    )

    table = read_table(data, "devices.csv")

    assert [cells for _, cells in table.rows] == [
        ["MT-1", "=Philips", "-1 Förråd"],
        ["MT-2", "+46 plan", "'t Hooft's rum"],
    ]
