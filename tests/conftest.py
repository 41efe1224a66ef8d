"""Shared fixtures: the personas of every access test, and the database plumbing.

Personas (healthchecks style): an owner (head of unit A), a colleague with access (staff of A),
an outsider (staff of unit B), an auditor (region), an administrator (region), and the staff of a
privately run primary care centre.
"""

import os
from dataclasses import dataclass

import pytest
from django.db import connection

from medtek.core import append_only
from medtek.organisation.models import CareProvider, Unit, User
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# In CI a test may not skip for a missing component: a skip becomes a failure.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI (not allowed): {report.longrepr}"


# Append-only triggers and transactional tests --------------------------------------------------
# Transactional tests (live server, concurrency) end with a flush that DELETEs every row; the
# append-only and sealed-record triggers would rightly refuse that. So such tests lift the
# triggers just before the flush, and the next database test puts them back. Every test runs with
# the triggers in place, and with the reference data the migrations load.

_lifted = {"value": False}


def _uses_transactions(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


def _uses_db(request: pytest.FixtureRequest) -> bool:
    return "db" in request.fixturenames or request.node.get_closest_marker("django_db") is not None


def _reference_data() -> None:
    """The reference data migrations load (the Annex I items, the authorities and kinds of
    report), which a flush removed."""
    import importlib

    from django.apps import apps

    from medtek.inhouse import gspr
    from medtek.inhouse.models import Requirement
    from medtek.reports.models import ReportKind

    if not Requirement.objects.exists():
        gspr.load_shipped(Requirement, "2017-initial")
    if not ReportKind.objects.exists():
        importlib.import_module("medtek.reports.migrations.0002_seed_authorities_and_kinds").seed(
            apps
        )


@pytest.fixture(autouse=True)
def _append_only_guard(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if _uses_transactions(request):
        request.getfixturevalue("transactional_db")
        append_only.restore_all(connection)
        _reference_data()
        _lifted["value"] = False
        yield
        append_only.lift_all(connection)
        _lifted["value"] = True
    elif _uses_db(request):
        request.getfixturevalue("db")
        if _lifted["value"]:
            # Inside the test's transaction, so rolled back with it: again for every test until
            # a transactional test (which commits) puts them back for good.
            append_only.restore_all(connection)
            _reference_data()
        yield
    else:
        yield


@pytest.fixture(scope="session")
def _file_store_root(tmp_path_factory):  # type: ignore[no-untyped-def]
    return tmp_path_factory.mktemp("files")


@pytest.fixture(autouse=True)
def _file_store(settings, _file_store_root):  # type: ignore[no-untyped-def]
    """Files the tests store go to a directory of the test run, never to ``var/files``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "medtek_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(_file_store_root)},
        },
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """PBKDF2 at production strength costs ~0.3 s per password; tests need no such strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Personas ---------------------------------------------------------------------------------------


@dataclass
class Org:
    region_provider: CareProvider
    private_provider: CareProvider
    region: Unit
    hsf: Unit
    unit_a: Unit
    unit_a_child: Unit
    unit_b: Unit
    private_pcc: Unit
    owner: User
    colleague: User
    outsider: User
    auditor: User
    admin: User
    private_staff: User

    def personas(self) -> dict[str, User]:
        return {
            "owner": self.owner,
            "colleague": self.colleague,
            "outsider": self.outsider,
            "auditor": self.auditor,
            "admin": self.admin,
            "private_staff": self.private_staff,
        }


@pytest.fixture
def org(db) -> Org:  # type: ignore[no-untyped-def]
    return factories.make_org()


@pytest.fixture
def api(org):  # type: ignore[no-untyped-def]
    """A DRF client; ``api.as_(user)`` authenticates with that user's token."""
    return factories.ApiClient()


# PostgreSQL-only tests ---------------------------------------------------------------------------
# Tests marked ``postgres`` (e.g. row-lock concurrency) are deselected, not skipped, when the suite
# runs on another database: CI runs every test on PostgreSQL too, and turns skips into failures.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
