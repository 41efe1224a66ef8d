"""The empty choice of a list's filter reads "Alla" and that of a form "Välj …", never Django's
``---------``: on every page the demo region's people reach from the menu."""

import re
from collections import deque
from collections.abc import Iterator
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve

from medtek.organisation.models import User

pytestmark = pytest.mark.django_db

#: People of the demo region who between them reach every list and every form.
PEOPLE = ["admin", "mt", "registrator", "kvalitet", "cheflakare"]

#: Links the walk does not follow: other sites of the project, files, the API and leaving.
NOT_FOLLOWED = ("/admin", "/api", "/logout", "/static", "/i18n", "/public")


@pytest.fixture(scope="module")
def demo_region(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo region, loaded once for the module in a transaction rolled back afterwards."""
    files = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("demo-files"))},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=True,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            STORAGES={**settings.STORAGES, "medtek_files": files},
        ),
        transaction.atomic(),
    ):
        call_command("demo", "--if-empty", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def walk(username: str) -> dict[str, str]:
    """Every page ``username`` reaches by following links from the start page (one address per
    shape of address: ``/devices/12/`` stands for every device), as HTML by address."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    pages: dict[str, str] = {}
    shapes: set[str] = set()
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        pages[path] = html = response.content.decode()
        for link in re.findall(r'href="(/[^"#?]*)"', html):
            shape = re.sub(r"\d+", "N", link)
            if not link.startswith(NOT_FOLLOWED) and shape not in shapes:
                shapes.add(shape)
                queue.append(link)
    return pages


@pytest.fixture(scope="module")
def pages(demo_region) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found: dict[str, str] = {}
    for username in PEOPLE:
        found.update(walk(username))
    return found


def test_no_page_shows_djangos_dashes_for_an_empty_choice(pages) -> None:  # type: ignore[no-untyped-def]
    views = {resolve(path).view_name for path in pages}
    # The walk reached the lists and the create and edit forms of every app.
    for expected in [
        "devices:device_list",
        "devices:device_create",
        "devices:device_edit",
        "devices:device_model_list",
        "devices:device_model_create",
        "devices:device_model_edit",
        "devices:plan_create",
        "devices:inspection_create",
        "inhouse:file_list",
        "inhouse:file_create",
        "inhouse:file_edit",
        "inhouse:document_add",
        "inhouse:release_add",
        "inhouse:review_add",
        "inhouse:action_add",
        "registry:document_list",
        "registry:document_submit",
        "registry:case_list",
        "registry:case_create",
        "registry:case_edit",
        "registry:document_draw_up",
        "reports:report_list",
        "reports:report_create",
        "organisation:unit_list",
        "organisation:unit_create",
        "organisation:unit_edit",
        "organisation:care_provider_list",
        "organisation:care_provider_create",
        "organisation:person_list",
        "organisation:person_create",
        "organisation:grant_create",
        "imports:session_list",
        "imports:session_create",
        "imports:profile_list",
    ]:
        assert expected in views, f"the walk never reached {expected}"
    dashes = [path for path, html in pages.items() if "---------" in html]
    assert not dashes, f"Django's dashes for an empty choice on {dashes}"


def test_a_filter_offers_all_and_a_form_asks_to_choose(pages) -> None:  # type: ignore[no-untyped-def]
    devices = pages["/devices/"]
    assert re.search(r'name="status"[^>]*>\s*<option value="" selected>Alla</option>', devices)
    form = pages["/devices/new/"]
    assert re.search(r'name="model"[^>]*>\s*<option value="" selected>Välj …</option>', form)


def test_in_english_they_read_all_and_choose(demo_region, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username="mt"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    devices = client.get("/devices/").content.decode()
    assert re.search(r'name="status"[^>]*>\s*<option value="" selected>All</option>', devices)
    form = client.get("/devices/new/").content.decode()
    assert re.search(r'name="model"[^>]*>\s*<option value="" selected>Choose …</option>', form)
