"""Generated documents: one Django template, rendered as an HTML page and as an archival PDF/A.

Every document the region issues — the in-house public declaration (MDR art. 5(5)(e)), a copy of
an incident report, diary and minutes extracts, the audit-history extract — is a template that
extends ``documents/base.html`` and is described by a :class:`Document`. The base template gives
them the region's look: the region's name (``settings.REGION_NAME``), the title, number and date
on every page, "page X of Y" at the foot, readable tables. The same template makes both forms:
the HTML page (shown under the site's Content-Security-Policy: one stylesheet from the static
files, no inline script or style) and the PDF for the diary and the archive.

The PDF is PDF/A-2b (ISO 19005-2, level B) with tags for accessibility, its fonts embedded (DejaVu
Sans, shipped in ``static/fonts/dejavu``, so no server's fonts change a document), with title,
author (the region), subject, language and creation date in its metadata. Why that variant:
docs/decisions/0012-documents.md.

WeasyPrint fetches the stylesheet, fonts and images through :class:`StaticFetcher`, which reads
the project's own static files and refuses everything else — loudly, with :class:`DocumentError`:
a template cannot make the server fetch from the network or read another local file, and a
document is never archived silently missing a part.

Note: rendering costs time. On two cores one page takes about half a second (the first in a
process more, loading the fonts), twenty pages of a long table 15-25 s (table rows are WeasyPrint's
slow part). A view may render one document; batches and long extracts belong in a background job.
"""

import datetime
import mimetypes
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

#: ISO 19005-2 level B: see docs/decisions/0012-documents.md.
PDF_VARIANT = "pdf/a-2b"

#: What the template's relative URLs (``/static/...``) are resolved against in the PDF. The
#: ``.invalid`` top-level domain never resolves (RFC 2606), and the fetcher maps this origin onto
#: the static files without any network access.
BASE_URL = "https://documents.medtek.invalid/"

_MAX_FILENAME = 120


class DocumentError(Exception):
    """A document could not be rendered: its template asked for a resource that is refused or
    missing. The message names the resource."""


@dataclass(frozen=True, kw_only=True)
class Document:
    """A document the region issues, as the template lays it out and the archive describes it.

    ``title`` heads the document and is the PDF's title; ``number`` (a diary, file or report
    number) and ``date`` (the document's own date, shown as ``YYYY-MM-DD``) head every page when
    given; ``subject`` is the PDF's subject (the title when empty); ``language`` is the language
    it is written in (``sv`` unless a module says otherwise). ``context`` is what the template
    needs besides; it sees the document itself as ``document`` and the region's name as
    ``region_name``. ``created`` is when it was made (now, unless a module re-issues a document
    with its original time).
    """

    template: str
    title: str
    number: str = ""
    date: datetime.date | None = None
    subject: str = ""
    language: str = "sv"
    context: Mapping[str, Any] = field(default_factory=dict)
    created: datetime.datetime = field(default_factory=timezone.now)

    @property
    def author(self) -> str:
        """Who issues it: the region (the PDF's author)."""
        return str(settings.REGION_NAME)

    @property
    def created_iso(self) -> str:
        """The creation time as the PDF metadata takes it (W3C date-time with its offset)."""
        created = self.created
        if timezone.is_aware(created):
            created = timezone.localtime(created)
        return created.replace(microsecond=0).isoformat()

    def filename(self, extension: str) -> str:
        """A file name safe to offer for download: number and title, ``extension`` added."""
        stem = " ".join(part for part in (self.number, self.title) if part)
        return safe_filename(stem, extension)

    def html(self, *, request: HttpRequest | None = None) -> str:
        return render_html(self, request=request)

    def pdf(self) -> bytes:
        return render_pdf(self)


def render_html(document: Document, *, request: HttpRequest | None = None) -> str:
    """The document as an HTML page. With ``request``, the context processors run too."""
    return _render(document, medium="html", request=request)


def render_pdf(document: Document) -> bytes:
    """The document as PDF/A-2b, every font embedded; raises :class:`DocumentError` when the
    template asks for anything but the project's static files."""
    source = _render(document, medium="pdf", request=None)
    fetcher = StaticFetcher()
    try:
        pdf: bytes = HTML(string=source, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
            pdf_variant=PDF_VARIANT, pdf_tags=True
        )
    except FatalURLFetchingError as exc:
        # WeasyPrint wraps the fetcher's refusal; the refusal itself says what was asked for.
        cause = exc.__cause__
        raise DocumentError(str(cause or exc)) from cause
    return pdf


def _render(document: Document, *, medium: str, request: HttpRequest | None) -> str:
    context = {
        **document.context,
        "document": document,
        "region_name": document.author,
        "medium": medium,
    }
    with translation.override(document.language):
        return render_to_string(document.template, context, request=request)


class StaticFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for documents: the project's static files, and nothing else.

    A URL under the static URL (as ``{% static %}`` writes it, resolved against :data:`BASE_URL`)
    is read from the static files — through the finders, so it works before ``collectstatic``,
    and from the static files storage for the hashed names a manifest storage writes. ``data:``
    URLs are decoded in memory. Anything else (``http:``, ``file:``, another host, a path that
    climbs out of the static files) is refused, and the refusal stops the rendering.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)
        self.static_prefix = urljoin(BASE_URL, str(settings.STATIC_URL))

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            response: URLFetcherResponse = super().fetch(url, headers)
            return response
        if not url.startswith(self.static_prefix):
            raise DocumentError(f"{url} is refused: a document may use only medtek's static files.")
        static_path = urlsplit(self.static_prefix).path
        path = static_file(unquote(urlsplit(url).path)[len(static_path) :])
        if path is None:
            shown = urlsplit(url).path if url.startswith(BASE_URL) else url
            raise DocumentError(f"{shown} is not one of medtek's static files.")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_file(name: str) -> Path | None:
    """The file of static file ``name`` (as in ``{% static name %}``), or None if there is none
    or the name leads out of the static files."""
    normalised = posixpath.normpath(name)
    if not name or normalised.startswith(("/", "..")) or normalised != name.rstrip("/"):
        return None
    try:
        found = finders.find(name)
        if found:
            return Path(str(found))
        candidate = Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError):
        # NotImplementedError: a remote storage (object storage) has no local path to read.
        return None
    return candidate if candidate.is_file() else None


def safe_filename(stem: str, extension: str) -> str:
    """``stem`` as a file name any system accepts: letters (å, ä, ö kept), digits, ``-``, ``_``
    and ``.``; every other run of characters one ``-``; no leading dot; at most 120 characters."""
    text = unicodedata.normalize("NFC", stem)
    text = re.sub(r"[^\w.-]+", "-", text).strip("-._")
    text = text[:_MAX_FILENAME].rstrip("-._") or "document"
    return f"{text}.{extension}"


# Responses --------------------------------------------------------------------------------------


def pdf_response(document: Document, *, attachment: bool = False) -> HttpResponse:
    """The document's PDF: shown in the browser, or offered for download with ``attachment``.

    Documents can carry personal data, so no cache may keep them.
    """
    response = HttpResponse(document.pdf(), content_type="application/pdf")
    # Never None here: Django gives None only for an inline response without a file name.
    disposition = content_disposition_header(attachment, document.filename("pdf"))
    response["Content-Disposition"] = disposition or "inline"
    add_never_cache_headers(response)
    return response


def html_response(request: HttpRequest, document: Document) -> HttpResponse:
    """The document as a page of its own (the site's CSP applies to it as to any page)."""
    response = HttpResponse(
        render_html(document, request=request), content_type="text/html; charset=utf-8"
    )
    add_never_cache_headers(response)
    return response


def document_response(request: HttpRequest, document: Document) -> HttpResponse:
    """What a document's view returns: the PDF by default, ``?format=html`` the page,
    ``?download=1`` the PDF as a download."""
    if request.GET.get("format") == "html":
        return html_response(request, document)
    return pdf_response(document, attachment=request.GET.get("download") == "1")
