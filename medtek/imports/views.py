"""Import pages: upload → (map columns) → validate with a progress bar → see every error →
download the failed rows → commit all-or-nothing or valid rows only."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtek.core.access import one_or_404
from medtek.core.exports import export_response
from medtek.core.listing import list_page

from . import background, mapping, profiles, registry, services, summary
from .access import session_for_user, sessions_visible_to
from .filters import ImportSessionFilter
from .forms import (
    CommitForm,
    MappingForm,
    ProfileSaveForm,
    ProfileUploadForm,
    UploadForm,
    ValueMappingForm,
)
from .models import ImportProfile, ImportRow, ImportSession

STEP_ROWS = 2000


def _importer_cls(kind: str) -> type[registry.Importer]:
    try:
        return registry.get(kind)
    except KeyError:
        raise Http404 from None


@login_required
def session_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request,
        queryset=sessions_visible_to(request.user).select_related("created_by").defer("source"),
        filterset_class=ImportSessionFilter,
        template="imports/importsession_list.html",
        sort_fields={
            "created_at": "created_at",
            "filename": "filename",
            "kind": "kind",
            "status": "status",
        },
        default_sort="-created_at",
        export_name="imports",
        export_header=[
            "id",
            "created_at",
            "filename",
            "kind",
            "created_by",
            "status",
            "mode",
            "total_rows",
            "error_rows",
            "created",
            "updated",
        ],
        export_row=lambda s: [
            s.pk,
            s.created_at,
            s.filename,
            s.kind,
            s.created_by.username,
            s.status,
            s.mode,
            s.total_rows,
            s.error_rows,
            s.created_count,
            s.updated_count,
        ],
        export_choices={"kind": {k: registry.get(k).label for k in registry.kinds()}},
        export_fields={
            "created": ImportSession._meta.get_field("created_count"),
            "updated": ImportSession._meta.get_field("updated_count"),
        },
    )


@login_required
def session_create(request: HttpRequest, kind: str) -> HttpResponse:
    importer_cls = _importer_cls(kind)
    if not importer_cls(request.user, update_existing=False).may_import():
        raise PermissionDenied
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        profiles=profiles.current_versions(request.user, kind),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        session = services.session_create(
            actor=request.user,
            kind=kind,
            filename=upload.name,
            data=upload.read(),
            update_existing=form.cleaned_data["update_existing"],
            profile=form.cleaned_data.get("profile"),
        )
        return redirect("imports:session_detail", pk=session.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kind": kind, "columns": importer_cls.columns},
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    importer_cls = _importer_cls(session.kind)
    is_owner = session.created_by_id == request.user.pk
    open_ = session.status not in (
        ImportSession.Status.COMMITTING,
        ImportSession.Status.COMMITTED,
        ImportSession.Status.REJECTED,
        ImportSession.Status.EXPIRED,
    )
    value_form = None
    if is_owner and open_ and not session.file_errors:
        fields = mapping.value_fields(session, importer_cls(request.user, update_existing=False))
        if any(f.values for f in fields):
            value_form = ValueMappingForm(fields=fields)
    group, error_page = None, None
    group_rows: list[Any] = []
    if "group" in request.GET:
        try:
            group, group_rows = summary.rows_of(session, int(request.GET["group"]))
        except ValueError:
            group = None
        if group is None:
            raise Http404
        error_page = Paginator(group_rows, 500).get_page(request.GET.get("page"))
    else:
        errors = session.rows.filter(status=ImportRow.Status.INVALID).order_by("number")
        error_page = Paginator(errors, 500).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/importsession_detail.html",
        {
            "session": session,
            "columns": {c.name: c.display() for c in importer_cls.columns},
            "mapping_form": MappingForm(session=session, columns=importer_cls.columns),
            "value_form": value_form,
            "profile_form": ProfileSaveForm(
                initial={"name": session.profile.name if session.profile else ""}
            ),
            "commit_form": CommitForm(initial={"mode": ImportSession.Mode.ALL_OR_NOTHING}),
            "error_page": error_page,
            "group": group,
            "is_owner": is_owner,
            "is_open": open_,
            "run": background.run_state(session),
        },
    )


@login_required
@require_POST
def session_map(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk, write=True)
    form = MappingForm(request.POST, session=session, columns=_importer_cls(session.kind).columns)
    if form.is_valid():
        try:
            services.session_set_mapping(
                actor=request.user,
                session=session,
                mapping=form.mapping(session.headers),
                ignored=form.ignored(session.headers),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("imports:session_detail", pk=session.pk)


@login_required
@require_POST
def session_values(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the file's values stand for (the value-mapping step)."""
    session = session_for_user(request.user, pk, write=True)
    importer = _importer_cls(session.kind)(request.user, update_existing=False)
    form = ValueMappingForm(request.POST, fields=mapping.value_fields(session, importer))
    if form.is_valid():
        try:
            services.session_set_values(
                actor=request.user, session=session, value_map=form.value_map()
            )
            messages.success(request, _("The values are mapped. Check every row again."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose a value from the lists."))
    return redirect("imports:session_detail", pk=session.pk)


@login_required
@require_POST
def session_save_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the session's mapping as a profile (the next version of its name)."""
    session = session_for_user(request.user, pk, write=True)
    form = ProfileSaveForm(request.POST)
    if form.is_valid():
        try:
            profile = profiles.profile_save(
                actor=request.user,
                session=session,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
            messages.success(
                request,
                _("Saved as the profile “%(name)s”, version %(v)d.")
                % {"name": profile.name, "v": profile.version},
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("imports:session_detail", pk=session.pk)


# Profiles ----------------------------------------------------------------------------------------


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    form = ProfileUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile, left_out = profiles.profile_load(
                actor=request.user, data=form.cleaned_data["file"].read()
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(
                request,
                _("Read in as the profile “%(name)s”, version %(v)d.")
                % {"name": profile.name, "v": profile.version},
            )
            if left_out:
                messages.warning(
                    request,
                    _("Left out, because what they name does not exist here: %(list)s")
                    % {"list": "; ".join(left_out)},
                )
            return redirect("imports:profile_list")
    return render(
        request,
        "imports/profile_list.html",
        {
            "profiles": profiles.current_versions(request.user),
            "form": form,
            "kinds": {k: registry.get(k).label for k in registry.kinds()},
        },
    )


@login_required
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = one_or_404(profiles.profiles_visible_to(request.user), pk)
    columns = {c.name: c.display() for c in _importer_cls(profile.kind).columns}
    versions = profiles.profiles_visible_to(request.user).filter(
        kind=profile.kind, name=profile.name
    )
    return render(
        request,
        "imports/profile_detail.html",
        {"profile": profile, "columns": columns, "versions": versions.order_by("-version")},
    )


@login_required
def profile_export(request: HttpRequest, pk: int) -> HttpResponse:
    profile: ImportProfile = one_or_404(profiles.profiles_visible_to(request.user), pk)
    response = HttpResponse(
        profiles.profile_export(profile), content_type="application/json; charset=utf-8"
    )
    name = slugify(profile.name) or "profile"
    response["Content-Disposition"] = f'attachment; filename="{name}-v{profile.version}.json"'
    return response


def _progress(request: HttpRequest, session: ImportSession, step_url: str) -> HttpResponse:
    return render(request, "imports/_progress.html", {"session": session, "step_url": step_url})


@login_required
@require_POST
def session_validate(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate a step of rows (htmx polls this for a progress bar), or all rows without JS."""
    session = session_for_user(request.user, pk, write=True)
    if background.in_background(session):
        return _start_run(request, session, mode=None)
    step = STEP_ROWS if request.headers.get("HX-Request") else None
    try:
        session = services.session_validate(actor=request.user, session=session, max_rows=step)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        session.refresh_from_db()
    detail = reverse("imports:session_detail", args=[session.pk])
    if step is not None and session.status == ImportSession.Status.VALIDATING:
        return _progress(request, session, reverse("imports:session_validate", args=[session.pk]))
    if step is not None:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    return redirect(detail)


@login_required
@require_POST
def session_commit(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk, write=True)
    form = CommitForm(request.POST or {"mode": session.mode})
    detail = reverse("imports:session_detail", args=[session.pk])
    if not form.is_valid():
        messages.error(request, _("Choose how to import."))
        return redirect(detail)
    mode = form.cleaned_data["mode"]
    if background.in_background(session):
        return _start_run(request, session, mode=mode)
    step = (
        STEP_ROWS
        if (request.headers.get("HX-Request") and mode == ImportSession.Mode.VALID_ONLY)
        else None
    )
    try:
        session = services.session_commit(
            actor=request.user, session=session, mode=mode, max_rows=step
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = detail
            return response
        return redirect(detail)
    if step is not None and session.status == ImportSession.Status.COMMITTING:
        return _progress(request, session, reverse("imports:session_commit", args=[session.pk]))
    messages.success(
        request,
        _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged.")
        % {"c": session.created_count, "u": session.updated_count, "n": session.unchanged_count},
    )
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    return redirect(detail)


def _to_detail(request: HttpRequest, session: ImportSession) -> HttpResponse:
    detail = reverse("imports:session_detail", args=[session.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    return redirect(detail)


def _start_run(request: HttpRequest, session: ImportSession, mode: str | None) -> HttpResponse:
    """A large file's validation or commit goes to the background worker; the page shows its
    progress (``session_run``)."""
    try:
        background.start(actor=request.user, session=session, mode=mode)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_detail(request, session)


@login_required
def session_run(request: HttpRequest, pk: int) -> HttpResponse:
    """The background run's progress, which the page polls; once the run is over, the page is
    loaded again with its outcome."""
    session = session_for_user(request.user, pk)
    run = background.run_state(session)
    if run is None and request.headers.get("HX-Request"):
        return _to_detail(request, session)
    return render(
        request,
        "imports/_run.html",
        {"session": session, "run": run, "is_owner": session.created_by_id == request.user.pk},
    )


@login_required
@require_POST
def session_resume(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk, write=True)
    try:
        background.resume(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_detail(request, session)


@login_required
def session_failed_rows(request: HttpRequest, pk: int) -> HttpResponseBase:
    session = session_for_user(request.user, pk)
    header, rows = services.failed_rows(session)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    name = session.filename.rsplit(".", 1)[0] + "-errors"
    return export_response(fmt, name, header, rows, **services.failed_rows_csv(session))
