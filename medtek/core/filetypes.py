"""What a file is, found from its bytes alone, never from its name (ADR 0010).

A small, explicit sniffer for the kinds of file a region attaches to its records: PDF, the
common images, the Office and OpenDocument formats (read inside their ZIP or OLE2 container),
text and CSV, XML and e-mail. Everything else is a ZIP archive, an OLE2 compound file or binary
data of no known kind, which the file store refuses unless the settings say otherwise.
"""

import codecs
import csv
import io
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import IO

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

#: Read this much at a time.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    """A kind of file the sniffer can tell apart, and how a person names it."""

    content_type: str
    #: What it is, for a person: "a PDF document".
    description: str | Promise
    #: Short, for the list of accepted kinds: "PDF".
    label: str | Promise
    #: The names that such a file usually has (to say when a name promises another kind).
    extensions: tuple[str, ...] = ()


PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
TEXT = "text/plain"
CSV = "text/csv"
XML = "application/xml"
EML = "message/rfc822"
MSG = "application/vnd.ms-outlook"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
OLE = "application/x-ole-storage"
ZIP = "application/zip"
BINARY = "application/octet-stream"

#: Every type :func:`sniff` gives (the texts are read in the language of each request).
KINDS: dict[str, Kind] = {
    k.content_type: k
    for k in [
        Kind(PDF, gettext_lazy("a PDF document"), "PDF", (".pdf",)),
        Kind(PNG, gettext_lazy("a PNG image"), "PNG", (".png",)),
        Kind(JPEG, gettext_lazy("a JPEG image"), "JPEG", (".jpg", ".jpeg", ".jpe", ".jfif")),
        Kind(GIF, gettext_lazy("a GIF image"), "GIF", (".gif",)),
        Kind(TIFF, gettext_lazy("a TIFF image"), "TIFF", (".tif", ".tiff")),
        Kind(DOCX, gettext_lazy("a Word document (docx)"), "docx", (".docx",)),
        Kind(XLSX, gettext_lazy("an Excel workbook (xlsx)"), "xlsx", (".xlsx",)),
        Kind(PPTX, gettext_lazy("a PowerPoint presentation (pptx)"), "pptx", (".pptx",)),
        Kind(ODT, gettext_lazy("an OpenDocument text (odt)"), "odt", (".odt",)),
        Kind(ODS, gettext_lazy("an OpenDocument spreadsheet (ods)"), "ods", (".ods",)),
        Kind(ODP, gettext_lazy("an OpenDocument presentation (odp)"), "odp", (".odp",)),
        Kind(
            TEXT, gettext_lazy("a plain text file"), gettext_lazy("text"), (".txt", ".text", ".log")
        ),
        Kind(CSV, gettext_lazy("a CSV file"), "CSV", (".csv",)),
        Kind(XML, gettext_lazy("an XML file"), "XML", (".xml",)),
        Kind(EML, gettext_lazy("an e-mail (eml)"), gettext_lazy("e-mail (eml)"), (".eml",)),
        Kind(
            MSG,
            gettext_lazy("an Outlook message (msg)"),
            gettext_lazy("Outlook message (msg)"),
            (".msg",),
        ),
        Kind(DOC, gettext_lazy("a Word 97–2003 document (doc)"), "doc", (".doc",)),
        Kind(XLS, gettext_lazy("an Excel 97–2003 workbook (xls)"), "xls", (".xls",)),
        Kind(PPT, gettext_lazy("a PowerPoint 97–2003 presentation (ppt)"), "ppt", (".ppt",)),
        Kind(
            OLE,
            gettext_lazy(
                "a compound file of another kind (such as an installer or an encrypted document)"
            ),
            gettext_lazy("other compound file"),
        ),
        Kind(ZIP, gettext_lazy("a ZIP archive"), "ZIP", (".zip",)),
        Kind(
            BINARY,
            gettext_lazy("binary data of no known kind"),
            gettext_lazy("other binary data"),
            (".bin",),
        ),
    ]
}


def essence(content_type: str) -> str:
    """The type without its parameters: ``text/csv; charset=utf-8`` → ``text/csv``."""
    return content_type.split(";", 1)[0].strip().lower()


# Sniffing: the type from the bytes --------------------------------------------------------------

_SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
]
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: The main part's type in ``[Content_Types].xml`` → the OOXML type.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF = {ODT, ODS, ODP}
#: More than any real ``[Content_Types].xml`` or ``mimetype`` entry: a zip bomb stops here.
_ZIP_ENTRY_LIMIT = 1024 * 1024

#: Control characters that text has not (tab, LF and CR are text; C1 controls never are).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HEADER_LINE = re.compile(r"[!-9;-~]+:")


def sniff(content: bytes | IO[bytes]) -> str:
    """The type of ``content`` (bytes, or a seekable binary file), found from the bytes alone.

    Text comes with its character set (``text/plain; charset=utf-8``, ``…=windows-1252``).
    A ZIP that is no Office or OpenDocument file is ``application/zip``, an OLE2 compound file
    of no Office kind ``application/x-ole-storage``, anything else unknown
    ``application/octet-stream``.
    """
    f: IO[bytes] = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    f.seek(0)
    head = f.read(512)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head.startswith(_ZIP):
        return _zip_type(f)
    if head.startswith(_OLE):
        return _ole_type(f)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and _utf16_xml(head):
        return XML
    charset = _text_charset(f)
    if charset is None:
        return BINARY
    f.seek(0)
    text = f.read(CHUNK).decode(charset, errors="replace")
    whole = not f.read(1)
    if text.lstrip("\ufeff \t\r\n").startswith("<?xml"):
        return XML
    if _looks_like_email(text):
        return EML
    kind = CSV if _looks_like_csv(text, whole=whole) else TEXT
    return f"{kind}; charset={charset}"


def _zip_type(f: IO[bytes]) -> str:
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        return BINARY  # begins like a ZIP, but is none (or a truncated one)
    with archive:
        names = set(archive.namelist())
        try:
            if "mimetype" in names:
                declared = _zip_entry(archive, "mimetype").decode("ascii", "replace").strip()
                return declared if declared in _ODF else ZIP
            if "[Content_Types].xml" in names:
                # Size-capped, and expat (>= 2.4) expands no entity bombs; ET fetches nothing.
                root = ET.fromstring(_zip_entry(archive, "[Content_Types].xml"))  # noqa: S314
                for element in root:
                    found = _OOXML_MAIN.get(element.get("ContentType", ""))
                    if found and element.tag.endswith("Override"):
                        return found
        except (zipfile.BadZipFile, ET.ParseError, OSError, RuntimeError, ValueError):
            pass  # an entry that cannot be read (damaged, encrypted): no Office file then
    return ZIP


def _zip_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as entry:
        return entry.read(_ZIP_ENTRY_LIMIT)


_FREE_OR_END = 0xFFFFFFFA  # sector numbers above this mark free, end of chain, FAT or DIFAT
_NO_ENTRY = 0xFFFFFFFF


def _ole_type(f: IO[bytes]) -> str:
    """Which Office file an OLE2 compound file (MS-CFB) is, from the streams at its root."""
    try:
        names = _ole_root_names(f)
    except (struct.error, ValueError, IndexError):
        return OLE
    if any(n.startswith(("__substg1.0_", "__properties_version1.0")) for n in names):
        return MSG
    if "WordDocument" in names:
        return DOC
    if "PowerPoint Document" in names:
        return PPT
    if names & {"Workbook", "Book"}:
        return XLS
    return OLE


def _ole_root_names(f: IO[bytes]) -> set[str]:
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    header = f.read(512)
    (shift,) = struct.unpack_from("<H", header, 0x1E)
    if shift not in (9, 12):
        raise ValueError("sector size")
    sector_size = 1 << shift
    fat_count, first_dir = struct.unpack_from("<II", header, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    if (fat_count + difat_count) * sector_size > size:
        raise ValueError("more sectors than the file has")

    def sector(number: int) -> bytes:
        start = (number + 1) * sector_size
        if number > _FREE_OR_END or start >= size:
            raise ValueError("sector outside the file")
        f.seek(start)
        return f.read(sector_size).ljust(sector_size, b"\0")

    per_sector = sector_size // 4
    fat_sectors = list(struct.unpack_from("<109I", header, 0x4C))
    seen: set[int] = set()
    difat = first_difat
    while difat <= _FREE_OR_END and difat not in seen and len(seen) < difat_count:
        seen.add(difat)
        numbers = struct.unpack(f"<{per_sector}I", sector(difat))
        fat_sectors.extend(numbers[:-1])
        difat = numbers[-1]
    fat: list[int] = []
    for number in [n for n in fat_sectors if n <= _FREE_OR_END][:fat_count]:
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))
    entries: list[tuple[str, int, int, int, int]] = []
    visited: set[int] = set()
    current = first_dir
    while current <= _FREE_OR_END and current not in visited:
        visited.add(current)
        data = sector(current)
        for offset in range(0, sector_size, 128):
            name_length, kind = struct.unpack_from("<HB", data, offset + 0x40)
            left, right, child = struct.unpack_from("<III", data, offset + 0x44)
            raw = data[offset : offset + max(0, min(name_length, 64) - 2)]
            entries.append((raw.decode("utf-16-le", "replace"), kind, left, right, child))
        current = fat[current] if current < len(fat) else _NO_ENTRY
    # The root's children form a tree of siblings under its child pointer.
    names: set[str] = set()
    pending, walked = [entries[0][4]], set()
    while pending:
        index = pending.pop()
        if index >= len(entries) or index in walked:
            continue
        walked.add(index)
        name, kind, left, right, _child = entries[index]
        if kind in (1, 2):
            names.add(name)
        pending.extend([left, right])
    return names


def _utf16_xml(head: bytes) -> bool:
    codec = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
    return head[2:12].decode(codec, errors="replace").startswith("<?xml")


def _text_charset(f: IO[bytes]) -> str | None:
    """``utf-8`` or ``windows-1252`` if the whole content is text in it (no control characters
    but tab, LF and CR), else None."""
    for charset in ("utf-8", "windows-1252"):
        if _is_text(f, charset):
            return charset
    return None


def _is_text(f: IO[bytes], charset: str) -> bool:
    f.seek(0)
    decoder = codecs.getincrementaldecoder(charset)()
    try:
        for chunk in iter(partial(f.read, CHUNK), b""):
            if CONTROL.search(decoder.decode(chunk)):
                return False
        return not CONTROL.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False


def _looks_like_email(text: str) -> bool:
    """RFC 5322 header fields up to the first empty line, with a sender and a date or
    subject or message id among them."""
    fields: set[str] = set()
    for number, line in enumerate(text.splitlines()):
        if not line:
            break
        if line[0] in " \t" and number:
            continue  # a folded header line
        if not _HEADER_LINE.match(line):
            return False
        fields.add(line.split(":", 1)[0].lower())
    return "from" in fields and bool(fields & {"date", "subject", "message-id"})


def _looks_like_csv(text: str, *, whole: bool) -> bool:
    """Two or more lines that split into the same number (two or more) of fields by one of the
    separators Swedish spreadsheets use."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not whole:
        lines = lines[:-1]  # the last line of a head may be cut short
    lines = lines[:50]
    if len(lines) < 2:
        return False
    for delimiter in (";", ",", "\t"):
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False
