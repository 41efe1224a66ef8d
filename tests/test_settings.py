"""The settings refuse to start a server on a bad configuration, and say what is wrong.

Each test starts a fresh Python process with a controlled environment, as a server would start.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

GOOD_KEY = "k3y-" + "x" * 46  # 50 characters
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print('DEBUG', settings.DEBUG); print('KEY', settings.SECRET_KEY); "
    "print('HOSTS', ','.join(settings.ALLOWED_HOSTS)); "
    "print('ENGINE', settings.DATABASES['default']['ENGINE'])"
)


def start(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` (default: print the settings) with only PATH and ``variables`` set."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "medtek.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *(args or ("-c", PROBE))],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def production(**variables: str) -> dict[str, str]:
    return {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "medtek.example.org", **variables}


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    last_line = result.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last_line, result.stderr


def test_it_starts_with_a_production_configuration() -> None:
    result = start(**production())

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert f"KEY {GOOD_KEY}" in result.stdout
    assert "HOSTS medtek.example.org" in result.stdout


def test_it_refuses_to_start_without_a_secret_key() -> None:
    result = start(ALLOWED_HOSTS="medtek.example.org")

    assert_refused(result, "SECRET_KEY", "32 characters")


def test_it_refuses_a_short_secret_key() -> None:
    result = start(**production(SECRET_KEY="x" * 31))

    assert_refused(result, "SECRET_KEY")


def test_it_refuses_the_development_key_in_production() -> None:
    result = start(**production(SECRET_KEY="insecure-development-key-do-not-use-in-production"))

    assert_refused(result, "SECRET_KEY")


def test_it_refuses_to_start_without_allowed_hosts() -> None:
    result = start(SECRET_KEY=GOOD_KEY)

    assert_refused(result, "ALLOWED_HOSTS")


def test_it_refuses_allowed_hosts_of_only_commas_and_spaces() -> None:
    result = start(**production(ALLOWED_HOSTS=" , ,"))

    assert_refused(result, "ALLOWED_HOSTS")


def test_it_refuses_a_debug_value_that_is_not_a_boolean() -> None:
    result = start(**production(DEBUG="maybe"))

    assert_refused(result, "DEBUG", "maybe")


def test_it_refuses_a_number_that_is_not_a_number() -> None:
    result = start(**production(AXES_FAILURE_LIMIT="five"))

    assert_refused(result, "AXES_FAILURE_LIMIT", "five")


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(GOOD_KEY + "\n", encoding="utf-8")

    result = start(SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="medtek.example.org")

    assert result.returncode == 0, result.stderr
    assert f"KEY {GOOD_KEY}\n" in result.stdout


def test_it_prefers_the_file_to_the_variable(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(GOOD_KEY, encoding="utf-8")

    result = start(**production(SECRET_KEY="short", SECRET_KEY_FILE=str(key_file)))

    assert result.returncode == 0, result.stderr
    assert f"KEY {GOOD_KEY}\n" in result.stdout


def test_it_refuses_a_secret_key_file_it_cannot_read(tmp_path: Path) -> None:
    result = start(**production(SECRET_KEY_FILE=str(tmp_path / "missing")))

    assert_refused(result, "SECRET_KEY_FILE", "cannot be read")


def test_it_starts_in_development_mode_without_any_configuration() -> None:
    result = start("-m", "medtek", "check", DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_a_database_url_it_does_not_understand() -> None:
    result = start(**production(DATABASE_URL="postgersql://medtek@localhost/medtek"))

    assert_refused(result, "DATABASE_URL", "postgersql")


def test_it_does_not_print_the_database_password_of_a_bad_url() -> None:
    result = start(**production(DATABASE_URL="postgresql://medtek:s3cr3t-pw@db:port/medtek"))

    assert_refused(result, "DATABASE_URL")
    assert "s3cr3t-pw" not in result.stderr


def test_it_uses_postgresql_from_the_database_url() -> None:
    result = start(**production(DATABASE_URL="postgresql://medtek:pw@db.example.org/medtek"))

    assert result.returncode == 0, result.stderr
    assert "ENGINE django.db.backends.postgresql" in result.stdout
