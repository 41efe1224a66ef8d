"""The test suite's settings: medtek's own, plus the example app that exercises core's machinery
(tests/example) and its pages and endpoints."""

from medtek.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.example"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
