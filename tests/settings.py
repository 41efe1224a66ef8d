"""The test suite's settings: medtek's own, plus the example app that exercises core's machinery
(tests/example) and its pages and endpoints."""

import os

from medtek.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.example"]  # noqa: F405
ROOT_URLCONF = "tests.urls"

# A test that stops a worker in the middle of a commit slows the worker down (it runs these
# settings in a process of its own, so it is told through the environment).
IMPORT_CHUNK_PAUSE = float(os.environ.get("MEDTEK_TEST_IMPORT_CHUNK_PAUSE", "0"))
# Valid-only commits of a few thousand rows in several transactions (as a region's 100,000 rows
# are at the default), so that the tests can stop one between batches.
IMPORT_COMMIT_BATCH = 1000
