"""The rows' errors grouped by kind, so that a file with 412 rows naming a model that is not in
the catalogue reads as one line with a count, not 412 lines.

Two errors are of one kind when they stand in the same column and their messages are the same
once what varies from row to row is taken out: the cell's own value (and a quoted part holding
it), and numbers (other rows, lengths). The summary is computed when validation ends (and again
when the commit finds rows no longer valid) and stored with the session, so the page does not
read every row to show it.
"""

import re
from typing import Any

from .models import ImportRow, ImportSession

#: Row numbers a group keeps to show at once; the whole group is listed on request.
ROWS_KEPT = 100

#: A quoted part of a message, in English (“…”), Swedish (”…”) or plain quotes.
_QUOTED = re.compile(r"[“”\"][^“”\"]*[”\"]")
_NUMBERS = re.compile(r"\d+(?:[,.]\d+)*(?:(?:, | och | and )\d+)*")


def pattern(error: dict[str, Any]) -> str:
    """The message with what varies from row to row replaced by “…”: the cell's value, a quoted
    part that holds it (a model named after the cell's trade name), and numbers. Quoted parts of
    the message's own (the values a field takes) stay, so that the kind still reads whole."""
    message = str(error.get("message", ""))
    value = str(error.get("value", "") or "")
    if len(value) > 1 and value in message:
        message = _QUOTED.sub(
            lambda m: m.group(0)[0] + "…" + m.group(0)[-1] if value in m.group(0) else m.group(0),
            message,
        )
        message = _without(message, value)
    return _NUMBERS.sub("…", message)


def _without(message: str, value: str) -> str:
    """``message`` with ``value`` replaced by “…” where it stands as itself, not inside a word
    of the message's own text (a risk class "IV" is not the start of "IVDR")."""
    out, start = [], 0
    while (at := message.find(value, start)) >= 0:
        end = at + len(value)
        if (at and message[at - 1].isalnum()) or (end < len(message) and message[end].isalnum()):
            out.append(message[start : at + 1])
            start = at + 1
            continue
        out.append(message[start:at] + "…")
        start = end
    return "".join(out) + message[start:]


def group_of(error: dict[str, Any]) -> tuple[str, str]:
    return (str(error.get("column", "")), pattern(error))


def summarise(session: ImportSession) -> list[dict[str, Any]]:
    """[{column, field, pattern, example, count, rows}] for the session's rows with errors, the
    largest group first; ``count`` is the rows of that kind, ``rows`` their first numbers."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    invalid = session.rows.filter(status=ImportRow.Status.INVALID).order_by("number")
    for number, errors in invalid.values_list("number", "errors").iterator(chunk_size=5000):
        seen: set[tuple[str, str]] = set()
        for error in errors:
            key = group_of(error)
            if key in seen:
                continue
            seen.add(key)
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    "column": key[0],
                    "field": error.get("field", ""),
                    "pattern": key[1],
                    "example": error.get("message", ""),
                    "count": 0,
                    "rows": [],
                }
            group["count"] += 1
            if len(group["rows"]) < ROWS_KEPT:
                group["rows"].append(number)
    return sorted(groups.values(), key=lambda g: (-g["count"], g["rows"][0] if g["rows"] else 0))


def rows_of(session: ImportSession, index: int) -> tuple[dict[str, Any] | None, list[Any]]:
    """The group at ``index`` of the session's summary and the rows (with their errors of that
    kind) that belong to it."""
    if not 0 <= index < len(session.error_summary):
        return None, []
    group = session.error_summary[index]
    key = (group["column"], group["pattern"])
    found = []
    invalid = session.rows.filter(status=ImportRow.Status.INVALID).order_by("number")
    for row in invalid.only("number", "values", "errors").iterator(chunk_size=2000):
        errors = [e for e in row.errors if group_of(e) == key]
        if errors:
            row.group_errors = errors  # type: ignore[attr-defined]
            found.append(row)
    return group, found
