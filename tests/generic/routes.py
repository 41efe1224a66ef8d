"""Every URL of the project, and how the generic tests fill in its parameters.

``routes()`` walks the URL configuration (``get_resolver()``, recursively: the apps' pages, the
API router's routes, the admin, the example app's) and ``fill(route, world)`` turns a route into
the URLs to visit, each naming one record of ``records.World`` where the route names a record.

What a route's parameter stands for is found, in this order:

1. ``FILLERS``: routes whose parameters are not (only) a record id, by URL name;
2. an API route: the record of its viewset's model (``serializer_class.Meta.model``);
3. an admin route: the record of its model admin's model (any row, when the walker has none);
4. ``RECORD_ROUTES``: a page route, by the start of its route up to and including the
   parameter, e.g. ``"devices/models/<int:pk>/"``: every route below it names that record.

A route with a parameter none of these fills makes every generic test fail, with the line to
add (``Undeclared``): a new app cannot slip through untested. A new app with pages adds one line
to ``RECORD_ROUTES`` per kind of record its URLs name (its API routes need none) and one builder
per model in ``records.py``.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from medtek.core.access import scoped_labels
from medtek.imports import registry as import_registry

from .records import World

#: Page routes that name a record: the route up to and including the record's parameter, and
#: the record's model. One line per kind of record an app's pages name.
RECORD_ROUTES: dict[str, str] = {
    "organisation/units/<int:pk>/": "organisation.unit",
    "organisation/care-providers/<int:pk>/": "organisation.careprovider",
    "organisation/people/<int:pk>/": "organisation.user",
    "organisation/roles/<int:pk>/": "organisation.rolegrant",
    "devices/<int:pk>/": "devices.device",
    "devices/models/<int:pk>/": "devices.devicemodel",
    "devices/plans/<int:plan_pk>/": "devices.inspectionplan",
    "inhouse/<int:pk>/": "inhouse.inhousedevice",
    "inhouse/<int:pk>/checklist/<int:item_pk>/": "inhouse.checklistitem",
    "inhouse/<int:pk>/documents/<int:doc_pk>/": "inhouse.filedocument",
    "imports/<int:pk>/": "imports.importsession",
    "imports/profiles/<int:pk>/": "imports.importprofile",
    "devices/imports/<int:pk>/": "imports.importsession",
    "registry/cases/<int:pk>/": "registry.case",
    "registry/documents/<int:pk>/": "registry.document",
    "registry/documents/<int:pk>/files/<int:file_pk>/": "registry.documentfile",
    "reports/<int:pk>/": "reports.report",
    "example/<int:pk>/": "example.entry",
}

#: Routes no generic test visits, by URL name (or by route, for an unnamed one), and why.
SKIPPED: dict[str, str] = {
    "login": "the log-in page, which is for everyone (tests/test_login.py)",
    "logout": "ends the session; answers everyone by sending them to the log-in page",
    "set_language": "sets the interface language for anyone, logged in or not (tests/test_i18n.py)",
    "api-schema": "the API's description, which holds no records: public, as drf-spectacular "
    "serves it by default (tests/test_api_schema.py; tests/generic/test_openapi.py)",
    "api-docs": "the API's documentation page (Swagger UI), public like the description",
    "public_diary": "the public diary: the public facts of registered documents, for anyone by "
    "law (offentlighetsprincipen; tests/registry)",
    "inhouse_public:declarations": "the public declarations of in-house manufactured devices "
    "(MDR art. 5(5)(e)), for anyone by law; they show only what was published (tests/inhouse/"
    "test_public.py)",
    "inhouse_public:declaration": "a published version of a public declaration, for anyone",
    "inhouse_public:declaration_pdf": "a published version's PDF, for anyone",
    "admin:login": "the admin's own log-in page, for everyone",
    "admin:logout": "the admin's own log-out",
    "admin/<url>": "the admin's catch-all (any path under admin/); the walker asks for every "
    "named admin page instead",
}

#: The last literal part of a page route that is a form which writes: the auditor may be
#: refused it (403), or get 405 from a page that only takes POST. Every other page the auditor
#: reads (200).
WRITE_PAGES = frozenset(
    {"new", "edit", "status", "revoke", "mapping", "validate", "commit"}
    | {"submit", "register", "correct"}
    | {"approve", "return", "send", "manufacturer-copy", "reply", "supplement", "close"}
    | {"notification", "version", "done", "verify", "sign"}
    | {"resume", "values", "profile"}
)


@dataclass(frozen=True)
class Route:
    """One URL pattern: its whole route (regular expressions shown as ``<name>``), its URL name
    with namespace (``"devices:device_edit"``, empty when it has none) and its parameters."""

    route: str
    name: str
    pattern: URLPattern
    params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.route} ({self.name or 'unnamed'})"

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def callback(self) -> Any:
        return self.pattern.callback

    @property
    def kind(self) -> str:
        """``"admin"``, ``"api"`` (answers JSON; anonymous callers get 401) or ``"page"``."""
        if self.name.startswith("admin:") or self.route.startswith("admin/"):
            return "admin"
        if self.route.startswith("api/"):
            return "api"
        return "page"

    @property
    def viewset(self) -> Any:
        """The viewset class of an API router route (None for any other view)."""
        return getattr(self.callback, "cls", None) if hasattr(self.callback, "actions") else None

    @property
    def methods(self) -> set[str]:
        """The HTTP methods a viewset route answers (empty: unknown, any other view)."""
        return set(getattr(self.callback, "actions", {}))

    @property
    def model_admin(self) -> Any:
        return getattr(self.callback, "model_admin", None)

    @property
    def is_write_page(self) -> bool:
        literal = [part for part in self.route.strip("/").split("/") if not part.startswith("<")]
        return bool(literal) and literal[-1] in WRITE_PAGES

    @property
    def is_list(self) -> bool:
        """A list page (a page without parameters that is not a form) or an API list."""
        if self.kind == "api":
            return self.viewset is not None and self.name.endswith("-list")
        return self.kind == "page" and not self.params and not self.is_write_page


def _readable(pattern: Any) -> str:
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text).lstrip("^").rstrip("$")
    return text


def routes(urlconf: Any = None) -> list[Route]:
    """Every URL pattern of ``urlconf`` (the project's by default), in order."""

    def walk(
        resolver: URLResolver, prefix: str, namespace: str, params: tuple[str, ...]
    ) -> Iterator[Route]:
        for p in resolver.url_patterns:
            here = (*params, *p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                ns = ":".join(n for n in (namespace, p.namespace) if n)
                yield from walk(p, prefix + _readable(p.pattern), ns, here)
            else:
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                yield Route(prefix + _readable(p.pattern), name, p, here)

    return list(walk(get_resolver(urlconf), "", "", ()))


def visited(urlconf: Any = None) -> list[Route]:
    """The routes the generic tests visit: all but ``SKIPPED``."""
    return [r for r in routes(urlconf) if r.key not in SKIPPED]


# Filling in a route ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    """A URL to visit, and the record of the world it names (if any)."""

    route: Route
    path: str
    record: models.Model | None = None

    def __str__(self) -> str:
        return f"{self.path} [{self.route.key}]"

    @property
    def label(self) -> str:
        return self.record._meta.label_lower if self.record is not None else ""

    @property
    def is_detail(self) -> bool:
        """The record's own page or API detail (the route ends at the record's parameter)."""
        if self.record is None:
            return False
        if self.route.kind == "api":
            return self.route.name.endswith("-detail")
        return self.route.route.endswith(">/") and not self.route.is_write_page


class Undeclared(LookupError):
    """A route whose parameters the generic tests cannot fill: the message says what to add."""


Filled = list[tuple[dict[str, Any], models.Model | None]]


def record_of(world: World, label: str, where: object) -> models.Model:
    """The world's record of ``label``, or ``Undeclared`` saying to build one."""
    record = world.first().get(label)
    if record is None:
        raise Undeclared(
            f"{where} names a record of {label}, but tests/generic/records.py builds none: add a "
            f'builder there (@builds("{label}", marker=...)) that makes one in unit A.'
        )
    return record


def _history(world: World) -> Filled:
    """The history page of one record of every scoped model."""
    return [
        ({"label": label, "pk": record.pk}, record)
        for label in scoped_labels()
        for record in [record_of(world, label, "The history page (object_history)")]
    ]


def _history_pdf(world: World) -> Filled:
    """The history extract of one device (each takes a PDF's rendering time, so one)."""
    device = record_of(world, "devices.device", "The history extract (object_history_pdf)")
    return [({"label": "devices.device", "pk": device.pk}, device)]


def _admin_apps(world: World) -> Filled:
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    return [({"app_label": label}, None) for label in labels]


def _view_on_site(world: World) -> Filled:
    device = world.first()["devices.device"]
    kind = ContentType.objects.get_for_model(device)
    return [({"content_type_id": kind.pk, "object_id": device.pk}, None)]


#: Routes whose parameters are not simply a record's id, by URL name: their values, and the
#: record each URL names (None: none).
FILLERS: dict[str, Callable[[World], Filled]] = {
    "object_history": _history,
    "object_history_pdf": _history_pdf,
    "imports:session_create": lambda w: [({"kind": k}, None) for k in import_registry.kinds()],
    "admin:app_list": _admin_apps,
    "admin:view_on_site": _view_on_site,
}


def viewset_model(viewset: Any) -> type[models.Model]:
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    return viewset.serializer_class.Meta.model


def _declared(route: Route) -> list[tuple[str, str, str]]:
    """The declared record prefixes the route starts with, shortest first, as (prefix, its last
    parameter, the record's model)."""
    found = []
    for prefix, label in RECORD_ROUTES.items():
        if route.route.startswith(prefix):
            last = re.findall(r"<(?:\w+:)?(\w+)>", prefix)[-1]
            found.append((prefix, last, label))
    return sorted(found, key=lambda item: len(item[0]))


def _undeclared_prefix(route: Route, declared: str) -> str:
    """The route up to and including its first parameter that ``declared`` does not cover."""
    for match in re.finditer(r"<[^>]+>/?", route.route):
        if match.end() > len(declared):
            return route.route[: match.end()]
    return route.route


def _fill(route: Route, world: World) -> Filled:
    if route.name in FILLERS:
        return FILLERS[route.name](world)
    if not route.params:
        return [({}, None)]
    if route.viewset is not None:
        label = viewset_model(route.viewset)._meta.label_lower
        record = record_of(world, label, route)
        return [({name: record.pk for name in route.params}, record)]
    if route.model_admin is not None:
        model = route.model_admin.model
        record = world.first().get(model._meta.label_lower) or model._default_manager.first()
        return [({name: record.pk if record else 0 for name in route.params}, record)]
    declared = _declared(route)
    if declared and {name for _, name, _ in declared} == set(route.params):
        # A route below several records' prefixes names each (a plan of a device); the URL is
        # the deepest one's.
        records = {name: record_of(world, label, route) for _, name, label in declared}
        return [({name: r.pk for name, r in records.items()}, records[declared[-1][1]])]
    covered = declared[-1][0] if declared else ""
    raise Undeclared(
        f"{route} has the parameter(s) {', '.join(route.params)}, and the generic tests do not "
        "know what to put there. If the route names a record, add the line\n"
        f'    "{_undeclared_prefix(route, covered)}": "<app_label>.<model>",\n'
        "to RECORD_ROUTES in tests/generic/routes.py (and a builder of that model in "
        "tests/generic/records.py, if there is none). If its parameters are something else, "
        "give their values in FILLERS there; if no generic test can visit it, add it to SKIPPED "
        "with the reason."
    )


def _path(route: Route, kwargs: dict[str, Any]) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    path = route.route
    for name, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    return "/" + path


def fill(route: Route, world: World) -> list[Url]:
    return [Url(route, _path(route, kwargs), record) for kwargs, record in _fill(route, world)]


def fill_all(world: World, urlconf: Any = None) -> list[Url]:
    """Every URL the generic tests visit; ``Undeclared`` names each route they cannot fill."""
    urls: list[Url] = []
    problems: list[str] = []
    for route in visited(urlconf):
        try:
            urls.extend(fill(route, world))
        except Undeclared as exc:
            problems.append(str(exc))
    if problems:
        raise Undeclared("\n\n".join(problems))
    return urls
