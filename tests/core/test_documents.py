"""Generated documents: one template, read back as a person or an archive would read them.

The PDFs are checked with poppler's own tools (``pdfinfo``, ``pdffonts``, ``pdftotext``), run as
real programs; without them these tests skip, and a skip fails in CI (root conftest). The
test document is ``tests/example/templates/example/letter.html``.
"""

import datetime
import re
import shutil
import subprocess
import threading
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from medtek.core.documents import (
    Document,
    DocumentError,
    document_response,
    pdf_response,
    safe_filename,
    static_file,
)
from medtek.demo.region import REGION_NAME as DEMO_REGION_NAME
from tests.test_settings import production, start

TITLE = "Offentlig förklaring — ÅÄÖ åäö"
NUMBER = "EGT-2025-007"
DATE = datetime.date(2025, 3, 4)
CREATED = datetime.datetime(2025, 3, 4, 10, 15, tzinfo=datetime.UTC)
GREETING = "Förklaringen gäller ÅÄÖ åäö och Æ Ø Ü é."


def letter(**overrides: Any) -> Document:
    rows = overrides.pop("rows", 3)
    context = {
        "greeting": GREETING,
        "unit": "Medicinsk teknik, Sjukhuset i Åby",
        "rows": [
            {"n": n, "inventory": f"INV-{n:05d}", "name": f"Infusionspump {n}"}
            for n in range(1, rows + 1)
        ],
        **overrides.pop("context", {}),
    }
    fields: dict[str, Any] = {
        "template": "example/letter.html",
        "title": TITLE,
        "number": NUMBER,
        "date": DATE,
        "subject": "Egentillverkning enligt MDR art. 5.5",
        "created": CREATED,
        "context": context,
        **overrides,
    }
    return Document(**fields)


# Reading the PDF back ---------------------------------------------------------------------------


def poppler(tool: str, *args: str) -> str:
    """Run one of poppler's tools and return what it printed."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is missing: install poppler-utils (apt-get install poppler-utils)")
    result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{tool} {' '.join(args)} failed: {result.stderr}"
    return result.stdout


def write(tmp_path: Path, pdf: bytes, name: str = "document.pdf") -> Path:
    file = tmp_path / name
    file.write_bytes(pdf)
    return file


def info(file: Path) -> dict[str, str]:
    lines = poppler("pdfinfo", "-isodates", str(file)).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def fonts(file: Path) -> list[dict[str, str]]:
    """pdffonts' table, one dict per font (name, emb, ...)."""
    lines = poppler("pdffonts", str(file)).splitlines()
    header, rule, *rows = lines
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
    return [
        {
            name: row[a:b].strip()
            for name, a, b in zip(names, starts, [*starts[1:], None], strict=True)
        }
        for row in rows
    ]


def text(file: Path, page: int | None = None) -> str:
    pages = ("-f", str(page), "-l", str(page)) if page else ()
    return poppler("pdftotext", *pages, str(file), "-")


def inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated: WeasyPrint packs the catalog into one."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text, whitespace collapsed (the <head> included: a title is text too)."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# The PDF ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def letter_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test letter as a PDF file, rendered once for the tests that only read it."""
    return write(tmp_path_factory.mktemp("letter"), letter().pdf())


def test_it_makes_a_pdf_that_pdfinfo_reads_with_the_documents_metadata(letter_pdf: Path) -> None:
    meta = info(letter_pdf)
    assert meta["Title"] == TITLE
    assert meta["Author"] == settings.REGION_NAME
    assert meta["Subject"] == "Egentillverkning enligt MDR art. 5.5"
    assert meta["Keywords"] == NUMBER
    assert meta["CreationDate"].startswith("2025-03-04T11:15:00+01")  # Stockholm time
    assert meta["Pages"] == "1"
    assert meta["Tagged"] == "yes"
    assert meta["PDF version"] == "1.7"


def test_it_declares_itself_pdfa_2b_in_its_xmp_metadata(letter_pdf: Path) -> None:
    xmp = poppler("pdfinfo", "-meta", str(letter_pdf))
    assert 'pdfaid:part="2"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{TITLE}</rdf:li>' in xmp
    assert f"<dc:creator><rdf:Seq><rdf:li>{settings.REGION_NAME}</rdf:li>" in xmp
    assert "<xmp:CreateDate>2025-03-04T11:15:00+01:00</xmp:CreateDate>" in xmp


def test_it_states_the_language_of_the_document(letter_pdf: Path) -> None:
    assert b"/Lang (sv)" in inflated(letter_pdf.read_bytes())
    assert b"/Lang (en)" in inflated(letter(language="en").pdf())


def test_it_embeds_every_font(tmp_path: Path) -> None:
    file = write(tmp_path, letter(context={"greeting": "<em>kursiv</em> och fet"}).pdf())

    listed = fonts(file)
    assert len(listed) >= 2, listed  # regular and bold at least
    assert all(font["emb"] == "yes" for font in listed), listed
    assert all(font["uni"] == "yes" for font in listed), listed  # text can be copied and searched
    assert all("DejaVu" in font["name"] for font in listed), listed


PRINT_WITHOUT_SYSTEM_FONTS = """
import sys
import django
django.setup()
from medtek.core.documents import Document
document = Document(template="example/letter.html", title=sys.argv[2], number="EGT-2025-001",
                    context={"greeting": sys.argv[2], "rows": []})
open(sys.argv[1], "wb").write(document.pdf())
"""


def test_it_needs_none_of_the_servers_fonts(tmp_path: Path) -> None:
    # A fontconfig that knows no font at all: only the fonts shipped with medtek remain.
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    file = tmp_path / "bare.pdf"

    result = start(
        "-c",
        PRINT_WITHOUT_SYSTEM_FONTS,
        str(file),
        "Ärende ÅÄÖ åäö",
        DJANGO_SETTINGS_MODULE="tests.settings",
        FONTCONFIG_FILE=str(config),
        **production(),
    )

    assert result.returncode == 0, result.stderr
    listed = fonts(file)
    assert listed and all(font["emb"] == "yes" and "DejaVu" in font["name"] for font in listed)
    assert "Ärende ÅÄÖ åäö" in text(file)


def test_it_keeps_swedish_letters_title_number_and_date_exactly(letter_pdf: Path) -> None:
    extracted = text(letter_pdf)

    assert "ÅÄÖ åäö" in extracted
    assert TITLE in extracted
    assert NUMBER in extracted
    assert "2025-03-04" in extracted
    assert GREETING in extracted
    assert settings.REGION_NAME in extracted
    assert "Medicinsk teknik, Sjukhuset i Åby" in extracted


def test_it_heads_the_document_with_the_region_named_in_the_settings(
    tmp_path: Path, settings: Any
) -> None:
    settings.REGION_NAME = "Region Östersjökusten"

    file = write(tmp_path, letter().pdf())

    assert info(file)["Author"] == "Region Östersjökusten"
    assert text(file).startswith("Region Östersjökusten")


def test_the_region_name_defaults_to_the_demo_regions() -> None:
    result = start("-c", "import medtek.settings as s; print(s.REGION_NAME)", **production())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == DEMO_REGION_NAME


def test_it_refuses_a_region_name_of_only_spaces() -> None:
    result = start(**production(REGION_NAME="   "))

    assert result.returncode != 0
    assert "REGION_NAME" in result.stderr.strip().splitlines()[-1]


def test_a_long_table_breaks_across_pages_with_its_header_repeated(tmp_path: Path) -> None:
    file = write(tmp_path, letter(rows=100).pdf())

    pages = int(info(file)["Pages"])
    assert pages > 1
    for page in range(1, pages + 1):
        on_page = text(file, page)
        assert f"Sida {page} av {pages}" in on_page
        assert settings.REGION_NAME in on_page
        assert NUMBER in on_page
        assert "Inventarienummer" in on_page  # the table's header row, on every page
    assert "INV-00100" in text(file, pages)


def test_an_english_document_counts_its_pages_in_english(tmp_path: Path) -> None:
    file = write(tmp_path, letter(rows=50, language="en").pdf())

    pages = int(info(file)["Pages"])
    assert f"Page 2 of {pages}" in text(file, 2)


def test_it_reads_images_from_data_urls(tmp_path: Path) -> None:
    pixel = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    document = letter(context={"picture": pixel, "picture_alt": "En punkt"})

    assert info(write(tmp_path, document.pdf()))["Pages"] == "1"


# What a template may not reach ------------------------------------------------------------------


@pytest.fixture
def remote() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine's loopback address; yields its URL and the paths asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_it_refuses_a_remote_image_without_fetching_it(remote: tuple[str, list[str]]) -> None:
    url, asked = remote

    with pytest.raises(DocumentError, match=re.escape(f"{url}/logo.png is refused")):
        letter(context={"picture": f"{url}/logo.png", "picture_alt": "Logga"}).pdf()
    assert asked == []


def test_it_refuses_a_remote_stylesheet_without_fetching_it(remote: tuple[str, list[str]]) -> None:
    url, asked = remote

    with pytest.raises(DocumentError, match="is refused"):
        letter(context={"remote_stylesheet": f"{url}/look.css"}).pdf()
    assert asked == []


@pytest.mark.parametrize(
    "reference",
    [
        "file:///etc/passwd",
        "/static/%2e%2e/medtek/settings.py",
        "/static/../medtek/settings.py",
        "/medtek/settings.py",
    ],
)
def test_it_refuses_a_file_outside_the_static_files(reference: str) -> None:
    with pytest.raises(DocumentError):
        letter(context={"picture": reference, "picture_alt": "x"}).pdf()


def test_it_says_which_static_file_is_missing() -> None:
    with pytest.raises(DocumentError, match=re.escape("/static/documents/logo.png is not one")):
        letter(context={"picture": "/static/documents/logo.png", "picture_alt": "x"}).pdf()


def test_it_finds_the_stylesheet_and_fonts_among_the_static_files() -> None:
    assert static_file("documents/document.css") is not None
    assert static_file("fonts/dejavu/DejaVuSans.ttf") is not None
    assert static_file("fonts/dejavu/LICENSE") is not None
    assert static_file("../medtek/settings.py") is None
    assert static_file("/etc/passwd") is None


# The HTML ---------------------------------------------------------------------------------------


def test_the_html_from_the_same_template_has_the_same_text(letter_pdf: Path) -> None:
    page = visible_text(letter().html())
    extracted = " ".join(text(letter_pdf).split())

    for words in (TITLE, NUMBER, "2025-03-04", GREETING, settings.REGION_NAME, "INV-00003"):
        assert words in page
        assert words in extracted


def test_the_html_is_marked_up_for_assistive_technology() -> None:
    html = letter().html()

    assert '<html lang="sv">' in html
    assert f"<title>{TITLE}</title>" in html
    assert html.count("<h1>") == 1
    assert f"<h1>{TITLE}</h1>" in html
    assert '<th scope="col"' in html
    assert '<time datetime="2025-03-04">2025-03-04</time>' in html
    assert '<html lang="en">' in letter(language="en").html()


def test_the_html_needs_nothing_the_content_security_policy_forbids() -> None:
    html = letter().html()

    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == [
        "/static/documents/document.css"
    ]


# Responses --------------------------------------------------------------------------------------


def letter_view(request: HttpRequest) -> HttpResponse:
    return document_response(request, letter())


urlpatterns = [path("letter/", letter_view)]


def test_it_shows_the_pdf_in_the_browser() -> None:
    response = pdf_response(letter())

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-1.7")
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''EGT-2025-007-Offentlig-f%C3%B6rklaring-%C3%85%C3%84%C3%96-"
        "%C3%A5%C3%A4%C3%B6.pdf"
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_it_offers_the_pdf_for_download_under_a_plain_name() -> None:
    response = pdf_response(letter(title="Diarieutdrag", number="MT 2025/14"), attachment=True)

    assert response["Content-Disposition"] == 'attachment; filename="MT-2025-14-Diarieutdrag.pdf"'


@pytest.mark.urls(__name__)
def test_a_view_serves_the_pdf_the_page_and_the_download(client: Client) -> None:
    pdf = client.get("/letter/")
    page = client.get("/letter/", {"format": "html"})
    download = client.get("/letter/", {"download": "1"})

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline;")
    assert download["Content-Disposition"].startswith("attachment;")
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert f"<h1>{TITLE}</h1>" in page.content.decode()
    # The page keeps the site's policy: its one stylesheet is the site's own.
    policy = page["Content-Security-Policy"]
    assert "style-src 'self'" in policy
    assert "script-src 'self'" in policy


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("EGT-2025-007 Offentlig förklaring", "EGT-2025-007-Offentlig-förklaring.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ('Svar "till" IVO\r\nX-Header: 1', "Svar-till-IVO-X-Header-1.pdf"),
        (".hidden", "hidden.pdf"),
        ("", "document.pdf"),
        ("///", "document.pdf"),
        ("å" * 300, "å" * 120 + ".pdf"),
    ],
)
def test_it_makes_safe_file_names(stem: str, name: str) -> None:
    assert safe_filename(stem, "pdf") == name
