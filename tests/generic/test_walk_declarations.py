"""The walker knows every URL of the project: a route it cannot fill fails with the line to
declare, and every declaration still names a route."""

import types

import pytest
from django.http import HttpResponse
from django.urls import path

from . import routes
from .routes import FILLERS, RECORD_ROUTES, SKIPPED, Undeclared


def _view(request, **kwargs):
    return HttpResponse()


def _undeclared(world, route: str) -> str:
    """What the walker says of a new app whose one page has ``route``."""
    urlconf = types.ModuleType("widget_urls")  # a new one each time (resolvers are cached)
    urlconf.urlpatterns = [path(route, _view, name="widget_page")]  # type: ignore[attr-defined]
    with pytest.raises(Undeclared) as raised:
        routes.fill_all(world, urlconf=urlconf)
    return str(raised.value)


def test_it_fills_every_url_of_the_project(world):
    urls = routes.fill_all(world)

    assert {u.route.key for u in urls} == {r.key for r in routes.visited()}


def test_it_fails_on_a_route_naming_a_record_it_cannot_find(world):
    message = _undeclared(world, "widgets/<int:pk>/edit/")

    assert "widgets/<int:pk>/edit/ (widget_page)" in message
    assert '"widgets/<int:pk>/": "<app_label>.<model>",' in message
    assert "RECORD_ROUTES in tests/generic/routes.py" in message


def test_it_asks_for_the_record_below_a_declared_one(world, monkeypatch):
    monkeypatch.setitem(RECORD_ROUTES, "widgets/<int:pk>/", "devices.device")

    message = _undeclared(world, "widgets/<int:pk>/parts/<int:part>/")

    assert '"widgets/<int:pk>/parts/<int:part>/": "<app_label>.<model>",' in message


def test_it_fills_a_route_below_two_declared_records(world, monkeypatch):
    monkeypatch.setitem(
        RECORD_ROUTES, "devices/<int:pk>/plans/<int:plan>/", "devices.inspectionplan"
    )
    pattern = path("devices/<int:pk>/plans/<int:plan>/", _view)
    route = routes.Route(str(pattern.pattern), "", pattern, ("pk", "plan"))

    (url,) = routes.fill(route, world)

    device, plan = world.first()["devices.device"], world.first()["devices.inspectionplan"]
    assert url.path == f"/devices/{device.pk}/plans/{plan.pk}/"
    assert url.record == plan


def test_it_fails_on_a_scoped_model_without_a_record(world):
    del world.records["example.task"]

    with pytest.raises(Undeclared, match=r'add a builder there \(@builds\("example.task"'):
        routes.fill_all(world)


def test_it_declares_nothing_that_names_no_route():
    all_routes = routes.routes()
    keys = {r.key for r in all_routes}

    assert set(SKIPPED) <= keys
    assert set(FILLERS) <= keys
    for prefix in RECORD_ROUTES:
        assert any(r.route.startswith(prefix) for r in all_routes), prefix
