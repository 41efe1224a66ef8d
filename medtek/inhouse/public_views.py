"""The public declarations of in-house manufactured devices (MDR art. 5(5)(e), IVDR art.
5(5)(f)): the one part of the in-house pages that anyone sees without logging in, like the
public diary. They show only what the published declarations say: no file pages, no people but
the responsible person each declaration names, nothing of drafts or of files no longer approved
(those are not in a current version's rows).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from medtek.core import files
from medtek.core.documents import html_response

from . import declarations
from .models import Declaration


def _published(pk: int) -> Declaration:
    """A published version of a declaration that the public page lists (the current one of an
    institution, or an earlier one of the same institution); 404 for anything else."""
    providers = [d.care_provider_id for d in declarations.current_declarations()]
    declaration = (
        Declaration.objects.select_related("pdf")
        .filter(care_provider_id__in=providers, pk=pk)
        .first()
    )
    if declaration is None:
        raise Http404
    return declaration


@require_safe
def public_declarations(request: HttpRequest) -> HttpResponse:
    """The public declarations of in-house manufactured devices (MDR art. 5(5)(e), IVDR art.
    5(5)(f)), for anyone without logging in: each institution's current version with its rows,
    and the earlier versions as an archive. Only what the published declarations say."""
    current = sorted(declarations.current_declarations(), key=lambda d: d.institution)
    archive: dict[int, list[Declaration]] = {}
    for d in (
        Declaration.objects.filter(care_provider_id__in=[c.care_provider_id for c in current])
        .exclude(pk__in=[c.pk for c in current])
        .only("pk", "care_provider_id", "version", "published_at")
        .order_by("-version")
    ):
        archive.setdefault(d.care_provider_id, []).append(d)
    return render(
        request,
        "inhouse/public_declarations.html",
        {"entries": [(d, archive.get(d.care_provider_id, [])) for d in current]},
    )


@require_safe
def public_declaration(request: HttpRequest, pk: int) -> HttpResponse:
    """One published version as its page (the same template as its PDF)."""
    return html_response(request, declarations.document(_published(pk)))


@require_safe
def public_declaration_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One published version's PDF/A as it was stored when published."""
    declaration = _published(pk)
    content = files.read_verified(declaration.pdf)
    response = HttpResponse(content, content_type="application/pdf")
    name = declarations.document(declaration).filename("pdf")
    response["Content-Disposition"] = content_disposition_header(False, name) or "inline"
    return response
