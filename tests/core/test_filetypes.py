"""The file store tells a file's kind from its bytes, never from its name.

Every file here is a real one, made in the test (tests/core/filebuilders.py).
"""

from collections.abc import Callable

import pytest

from medtek.core import filetypes
from medtek.core.filetypes import sniff
from tests.core import filebuilders as build

KINDS: dict[str, tuple[Callable[[], bytes], str]] = {
    "pdf": (build.pdf, "application/pdf"),
    "png": (lambda: build.image("PNG"), "image/png"),
    "jpeg": (lambda: build.image("JPEG"), "image/jpeg"),
    "gif": (lambda: build.image("GIF"), "image/gif"),
    "tiff": (lambda: build.image("TIFF"), "image/tiff"),
    "docx": (
        build.docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (build.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        build.pptx,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "odt": (
        lambda: build.odf("application/vnd.oasis.opendocument.text"),
        "application/vnd.oasis.opendocument.text",
    ),
    "ods": (
        lambda: build.odf("application/vnd.oasis.opendocument.spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    "xml": (build.xml, "application/xml"),
    "eml": (build.eml, "message/rfc822"),
    "msg": (build.msg, "application/vnd.ms-outlook"),
    "doc": (build.doc, "application/msword"),
    "xls": (build.xls, "application/vnd.ms-excel"),
    "ppt": (build.ppt, "application/vnd.ms-powerpoint"),
    "zip": (build.plain_zip, "application/zip"),
}


@pytest.mark.parametrize(("make", "expected"), KINDS.values(), ids=KINDS.keys())
def test_it_tells_each_kind_from_its_bytes(make: Callable[[], bytes], expected: str) -> None:
    assert sniff(make()) == expected


def test_it_reads_an_open_file_as_well_as_bytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "yttrande.docx"
    path.write_bytes(build.docx())

    with path.open("rb") as f:
        assert sniff(f) == filetypes.DOCX


def test_it_gives_text_its_character_set() -> None:
    swedish = "Avvikelsen gäller en infusionspump på Kärlkirurgen.\n"

    assert sniff(swedish.encode("utf-8")) == "text/plain; charset=utf-8"
    assert sniff(swedish.encode("cp1252")) == "text/plain; charset=windows-1252"
    assert sniff(b"Plain ASCII notes\r\n") == "text/plain; charset=utf-8"


def test_it_tells_csv_from_text_by_its_columns() -> None:
    excel_export = "Enhet;Antal;Ansvarig\r\nKärlkirurgi;3;Åsa\r\nAkuten;12;Örjan\r\n"
    with_bom = "\ufeffEnhet,Antal\nKärlkirurgi,3\nAkuten,12\n"

    assert sniff(excel_export.encode("cp1252")) == "text/csv; charset=windows-1252"
    assert sniff(with_bom.encode("utf-8")) == "text/csv; charset=utf-8"
    assert sniff(b"one line, with a comma\n") == "text/plain; charset=utf-8"
    assert sniff(b"Ragged; lines\nare; not; a table\n") == "text/plain; charset=utf-8"


def test_it_takes_text_with_control_characters_for_binary() -> None:
    assert sniff(b"Looks like text\x00but has a NUL\n") == filetypes.BINARY
    assert sniff(b"An escape \x1b[31m sequence\n") == filetypes.BINARY
    assert sniff("Avvikelse".encode("utf-16")) == filetypes.BINARY
    # Bytes that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are no text.
    assert sniff(b"Not \x81 text\n") == filetypes.BINARY


def test_it_needs_a_sender_and_a_subject_or_date_for_an_email() -> None:
    assert sniff(b"From: a@region.example\nSubject: Hej\n\nText\n") == filetypes.EML
    assert sniff(b"Subject: Hej\n\nNo sender\n").startswith("text/plain")
    assert sniff(b"From: a@region.example\nnot a header line\n\n").startswith("text/plain")


def test_it_knows_xml_by_its_declaration_in_utf8_and_utf16() -> None:
    declared = '<?xml version="1.0" encoding="UTF-16"?><rapport/>'

    assert sniff(declared.encode("utf-16")) == filetypes.XML
    assert sniff(b"<rapport>no declaration</rapport>").startswith("text/plain")


def test_it_reads_a_legacy_office_file_by_the_streams_at_its_root() -> None:
    word_with_a_workbook_inside = build.cfb(
        {"WordDocument": None, "ObjectPool": {"Workbook": None}}
    )
    workbook_with_a_document_inside = build.cfb(
        {"Workbook": None, "MBD0001": {"WordDocument": None}}
    )

    assert sniff(word_with_a_workbook_inside) == filetypes.DOC
    assert sniff(workbook_with_a_document_inside) == filetypes.XLS


def test_it_does_not_take_other_compound_files_for_office_files() -> None:
    installer = build.cfb({"\x05SummaryInformation": None, "Property": None, "File": None})
    encrypted_docx = build.cfb({"EncryptionInfo": None, "EncryptedPackage": None})

    assert sniff(installer) == filetypes.OLE
    assert sniff(encrypted_docx) == filetypes.OLE
    assert sniff(build.doc()[:600]) == filetypes.OLE  # cut short: its directory is gone


def test_it_does_not_take_other_zip_files_for_office_files() -> None:
    epub = build.odf("application/epub+zip")  # an ODF-like mimetype entry of another kind

    assert sniff(epub) == filetypes.ZIP
    assert sniff(build.docx()[:200]) == filetypes.BINARY  # a ZIP cut short is no ZIP


def test_it_calls_anything_else_binary() -> None:
    assert sniff(bytes(range(256)) * 8) == filetypes.BINARY
    assert sniff(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100)) == filetypes.BINARY  # an .exe


def test_it_names_every_kind_it_can_give() -> None:
    for content_type, kind in filetypes.KINDS.items():
        assert kind.content_type == content_type
        assert str(kind.description) and str(kind.label)
