# replaced by the checklist page branch
"""A placeholder of the checklist page, so that the file page's link resolves: it shows the
file page."""

from django.http import HttpRequest, HttpResponse

from . import views


def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    return views.file_detail(request, pk)
