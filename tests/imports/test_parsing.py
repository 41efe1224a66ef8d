"""Reading uploaded tables as people produce them: Swedish Excel's CSV (``;``, UTF-8 with a BOM,
or Windows-1252 from older versions), Excel's "Unicode text" (UTF-16, tabs), plain ``,`` CSV, and
XLSX; and refusing, with what to do, every file that is no such table."""

import datetime
import io
import random
import re
import zipfile

import pytest
from django.test import override_settings

from medtek.imports.parsing import FileError, read_table
from tests.core import filebuilders
from tests.imports.conftest import make_csv, make_xlsx

pytestmark = pytest.mark.usefixtures("english")

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
        ("inventory_number;unit\r\n".encode("utf-16-le"), "unicode.csv", "without a byte-order"),
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


# Encodings and delimiters, recorded to write the failed rows back the same way ----------------


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (make_csv(ROWS, HEADER, delimiter=";", bom=True), "utf-8-sig", ";"),
        (make_csv(ROWS, HEADER, delimiter=",", bom=False), "utf-8", ","),
        (make_csv(ROWS, HEADER, delimiter=";", bom=False, encoding="cp1252"), "cp1252", ";"),
        # Excel's "Unicode text": UTF-16 (little-endian) with its byte-order mark, tabs.
        (make_csv(ROWS, HEADER, delimiter="\t", bom=False, encoding="utf-16"), "utf-16", "\t"),
    ],
)
def test_it_reads_every_encoding_excel_writes_and_records_it(data, encoding, delimiter) -> None:
    table = read_table(data, "enheter.csv")

    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.headers == HEADER
    assert [cells for _n, cells in table.rows] == ROWS


def test_it_records_no_encoding_for_xlsx() -> None:
    table = read_table(make_xlsx([["MT-1"]], ["inventory_number"]), "devices.xlsx")

    assert (table.encoding, table.delimiter) == ("", "")


def test_it_refuses_bytes_no_encoding_it_reads_and_names_the_line() -> None:
    # 0x81 is one of the five bytes Windows-1252 leaves undefined, and no UTF-8.
    data = b"inventory_number;location\r\nMT-1;Sal 3\r\nMT-2;F\x81rr\xe5d\r\n"

    with pytest.raises(FileError) as exc:
        read_table(data, "devices.csv")

    assert "Line 3 " in str(exc.value)
    assert "UTF-8" in str(exc.value)


def test_it_refuses_a_utf8_file_with_a_line_in_another_encoding() -> None:
    """Read as Windows-1252, every ä of the file would turn into "Ã¤": refused instead."""
    lines = ["inventory_number;location", "MT-1;Förråd", "MT-2;Kök", "MT-3;"]
    data = ("\r\n".join(lines)).encode() + "Källare\r\n".encode("cp1252")

    with pytest.raises(FileError) as exc:
        read_table(data, "devices.csv")

    assert "Line 4 " in str(exc.value)


# Files that are no table ------------------------------------------------------------------------


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (filebuilders.pdf(), "This is a PDF document, not a table"),
        (filebuilders.image("PNG"), "This is a PNG image, not a table"),
        (filebuilders.image("JPEG"), "This is a JPEG image, not a table"),
        (filebuilders.xls(), "Excel 97–2003 workbook (xls), which cannot be read: open it in "),
        (filebuilders.doc(), "This is a Word 97–2003 document (doc), not a table"),
        (filebuilders.plain_zip(), "This is a ZIP archive, not an XLSX workbook"),
        (filebuilders.docx(), "This is a Word document (docx), not an XLSX workbook"),
        (
            filebuilders.odf("application/vnd.oasis.opendocument.spreadsheet"),
            "OpenDocument spreadsheet (ods), not an XLSX workbook",
        ),
        (random.Random(9).randbytes(20_000), "The file does not hold text"),
    ],
    ids=["pdf", "png", "jpeg", "xls", "doc", "zip", "docx", "ods", "binary"],
)
def test_it_refuses_a_file_that_is_no_table_whatever_its_name(data: bytes, says: str) -> None:
    with pytest.raises(FileError) as exc:
        read_table(data, "devices.csv")

    assert says in str(exc.value)
    assert "XLSX or CSV" in str(exc.value)


def test_it_reads_a_csv_file_holding_a_few_control_characters() -> None:
    """Old data's ESC is the row's error (which cell), not the file's."""
    data = make_csv([["MT-1", "Philips\x1b", "Sal 3"]], HEADER)

    table = read_table(data, "devices.csv")

    assert table.rows == [(2, ["MT-1", "Philips\x1b", "Sal 3"])]


@override_settings(IMPORT_MAX_BYTES=1000)
def test_it_refuses_a_file_over_the_size_limit() -> None:
    data = make_csv([["MT-1", "Philips", "Sal 3"]] * 50, HEADER)
    assert len(data) > 1000

    with pytest.raises(FileError) as exc:
        read_table(data, "devices.csv")

    assert re.search(r"The file is 1\.\d\sKB; at most 1000\sbytes can be imported", str(exc.value))


# XLSX formulas ---------------------------------------------------------------------------------


def _with_saved_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook with saved values for some formula cells, as Excel saves them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for cell, value in values.items():
                    text = re.sub(
                        rf'(<c r="{cell}"[^>]*>(?:<f>[^<]*</f>))<v\s*/>|'
                        rf'(<c r="{cell}"[^>]*>(?:<f>[^<]*</f>))<v></v>',
                        lambda m, v=value: (m.group(1) or m.group(2)) + f"<v>{v}</v>",
                        text,
                    )
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def _formulas(count: int) -> bytes:
    """A workbook whose column C is a formula on every row, without saved values (as openpyxl
    and other programs that do not compute write them)."""
    rows = [[f"MT-{n}", 2, f"=B{n + 1}*10"] for n in range(1, count + 1)]
    return make_xlsx(rows, ["inventory_number", "count", "total"])


def test_it_names_the_cells_whose_formulas_have_no_saved_values() -> None:
    with pytest.raises(FileError) as exc:
        read_table(_formulas(40), "devices.xlsx")

    assert str(exc.value) == (
        "C2, C3 and 38 more cells hold formulas without saved values: open the file in Excel "
        "and save it again, or paste the values."
    )


def test_it_names_a_single_cell_whose_formula_has_no_saved_value() -> None:
    data = _with_saved_values(_formulas(3), {"C2": "20", "C4": "20"})

    with pytest.raises(FileError) as exc:
        read_table(data, "devices.xlsx")

    assert str(exc.value).startswith("C3 holds a formula without a saved value: open the file")


def test_it_reads_the_saved_values_of_formulas() -> None:
    data = _with_saved_values(_formulas(2), {"C2": "20", "C3": "20"})

    table = read_table(data, "devices.xlsx")

    assert table.rows == [(2, ["MT-1", "2", "20"]), (3, ["MT-2", "2", "20"])]
