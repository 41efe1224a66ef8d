"""The legacy export of ``tests.imports.legacy`` reads as the register wrote it, and once a person
has done what the file needs by hand, every planted error is reported on its row and column,
and nothing else is refused."""

from typing import Any

import pytest

from medtek.devices import import_catalogue
from medtek.imports import services
from tests.imports import legacy
from tests.imports.conftest import errors_by_row, upload

pytestmark = pytest.mark.usefixtures("english")


def test_the_legacy_export_reports_each_planted_error_and_nothing_else(mt: Any, org: Any) -> None:
    legacy.legacy_register(org)
    session = upload(mt, legacy.legacy_export(), "medusa.csv")
    assert (session.encoding, session.delimiter, session.blank_rows) == ("cp1252", ";", 2)
    assert session.suggestions == legacy.SUGGESTED

    session = services.session_set_mapping(
        actor=mt,
        session=session,
        mapping={**session.mapping, **legacy.SUGGESTED, **legacy.COLUMNS_BY_HAND},
        ignored=[legacy.LEFT_OUT],
    )
    session = services.session_set_values(
        actor=mt,
        session=session,
        value_map={"status": legacy.STATUS_BY_HAND, "unit": {legacy.UNIT_BY_HAND: "Unit B"}},
    )
    found = import_catalogue.proposals(session, mt)
    assert [tuple(p.initial[f] for f in import_catalogue.NAME_FIELDS) for p in found] == (
        legacy.NEW_MODELS
    )
    import_catalogue.create_proposed_models(
        actor=mt, session=session, models=import_catalogue.initial_forms(found)
    )
    session = services.session_validate(actor=mt, session=session)

    errors = errors_by_row(session)
    assert sorted(errors) == legacy.ERROR_ROWS
    for kind, planted in legacy.PLANTED.items():
        for number in planted.rows:
            (error,) = errors[number]
            assert error["column"] == planted.column, kind
            assert planted.says in error["message"], (kind, error["message"])
    assert session.valid_rows == len(legacy.VALID_ROWS)
