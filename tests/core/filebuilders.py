"""Real files of every kind the file store tells apart, made in the test run.

Each is made the way its own software makes it (WeasyPrint for a PDF, Pillow for images,
openpyxl for a workbook, the standard library's e-mail and XML writers), or, for the formats no
installed library writes, assembled by hand after their specifications: the Office Open XML and
OpenDocument packages (ZIP files with their required parts) and the OLE2 compound files of
legacy Office and Outlook (MS-CFB, version 3).
"""

import io
import struct
import zipfile
from email.message import EmailMessage
from xml.etree import ElementTree as ET


def pdf(text: str = "Avvikelserapport 2026") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<html lang='sv'><body><p>{text}</p></body></html>").write_pdf()


def image(fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Enhet", "Antal"])
    book.active.append(["Kärlkirurgi", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(parts: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(zipfile.ZipInfo(stored_first), parts[stored_first], zipfile.ZIP_STORED)
        for name, data in parts.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


def _ooxml(main_part: str, main_type: str, main_xml: str) -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{_CT}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{_REL}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_DOCUMENT}" Target="{main_part}"/>'
        "</Relationships>"
    )
    return _zip({"[Content_Types].xml": content_types, "_rels/.rels": rels, main_part: main_xml})


def docx() -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>Yttrande</w:t></w:r></w:p>'
        "</w:body></w:document>",
    )


def pptx() -> bytes:
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    return _ooxml(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        f'<p:presentation xmlns:p="{p}"><p:sldIdLst/></p:presentation>',
    )


def odf(mimetype: str) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    manifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    return _zip(
        {
            "mimetype": mimetype,
            "content.xml": f'<office:document-content xmlns:office="{office}" '
            'office:version="1.3"><office:body/></office:document-content>',
            "META-INF/manifest.xml": f'<manifest:manifest xmlns:manifest="{manifest}" '
            'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{mimetype}"/></manifest:manifest>',
        },
        stored_first="mimetype",
    )


def plain_zip() -> bytes:
    return _zip({"protokoll.txt": "Protokoll fört vid sammanträde", "bild.txt": "ingen bild"})


def xml() -> bytes:
    root = ET.Element("rapport", {"nummer": "RS-2026-17"})
    ET.SubElement(root, "enhet").text = "Kärlkirurgi"
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def eml() -> bytes:
    message = EmailMessage()
    message["From"] = "Åsa Registrator <asa@region.example>"
    message["To"] = "mtf@region.example"
    message["Subject"] = "Anmälan till IVO"
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0100"
    message["Message-ID"] = "<17@region.example>"
    message.set_content("Hej!\n\nAnmälan är skickad.\n")
    return message.as_bytes()


# OLE2 compound files (MS-CFB version 3: 512-byte sectors) ---------------------------------------

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
Tree = dict[str, "Tree | None"]  # a storage's children: a stream (None) or a storage (Tree)


def cfb(tree: Tree) -> bytes:
    """A compound file whose root holds ``tree`` (streams are empty: their names are what tells
    one Office file from another)."""
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "child": _NONE}]

    def add(children: Tree) -> int:
        indexes = []
        for name, sub in children.items():
            indexes.append(len(entries))
            entries.append({"name": name, "type": 1 if sub is not None else 2, "child": _NONE})
            if sub:
                entries[indexes[-1]]["child"] = add(sub)
        for here, after in zip(indexes, [*indexes[1:], _NONE], strict=True):
            entries[here]["right"] = after  # siblings as a chain: a valid, if unbalanced, tree
        return indexes[0] if indexes else _NONE

    entries[0]["child"] = add(tree)
    while len(entries) % 4:
        entries.append({"name": "", "type": 0, "child": _NONE})
    directory = b"".join(_entry(e) for e in entries)
    dir_sectors = len(directory) // 512
    fat = [_FAT, *range(2, dir_sectors + 1), _END]
    fat += [_FREE] * (128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,
        _END,  # no mini FAT
        0,
        _END,  # no DIFAT sectors
        0,
    )
    header += struct.pack("<109I", 0, *([_FREE] * 108))
    return header + struct.pack("<128I", *fat) + directory


def _entry(e: dict[str, object]) -> bytes:
    name = str(e["name"])
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        int(e["type"]),  # type: ignore[call-overload]
        1,  # black
        _NONE,
        int(e.get("right", _NONE)),  # type: ignore[call-overload]
        int(e["child"]),  # type: ignore[call-overload]
        b"\0" * 16,
        0,
        0,
        0,
        _END,
        0,
    )


def doc() -> bytes:
    return cfb({"WordDocument": None, "1Table": None, "\x05SummaryInformation": None})


def xls() -> bytes:
    return cfb({"Workbook": None, "\x05SummaryInformation": None})


def ppt() -> bytes:
    return cfb({"PowerPoint Document": None, "Current User": None})


def msg() -> bytes:
    return cfb(
        {
            "__properties_version1.0": None,
            "__substg1.0_0037001F": None,  # the subject
            "__recip_version1.0_#00000000": {"__substg1.0_3001001F": None},
        }
    )
