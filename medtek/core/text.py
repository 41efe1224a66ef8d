"""Text that can be stored and exported: no control characters in what people type or import.

A control character (ESC, VT, BEL …; pasted from a terminal, a PDF or an old register) stored in
a text field used to break every XLSX export of a list holding it: XML, and thus XLSX, has no way
to write it, and openpyxl raises ``IllegalCharacterError``. NUL is worse: PostgreSQL cannot store
it in text nor in ``jsonb`` (SQLite can, so a test on SQLite passes where production fails).

So every text input refuses them, with a message on the field that names the character, and the
exporters replace what old data may still hold (``medtek.core.exports``). Tab, line feed and
carriage return are ordinary text and stay.

**One mechanism for every field** (ADR 0018): :func:`install` (from core's ``AppConfig.ready``)
attaches the validators where Django and DRF attach their own NUL validator, so that no field
declaration, present or future, has to name them and no model field (whose validators are part
of its migrations) changes:

- Django forms: ``forms.CharField.default_validators`` (``Field.__init__`` copies a class's
  ``default_validators`` into every new field), and the same for Django's subclasses that set
  their own list (e-mail, URL, slug). Model forms build their fields from these classes, and so
  does the import, which cleans rows with the register form's fields.
- DRF: ``serializers.CharField.__init__`` appends its NUL and surrogate validators itself, after
  ``Field.__init__``, because a model serializer passes the model field's validators, which
  replace a field's ``default_validators``; ours is appended at the same place, by wrapping
  ``__init__``.
- JSON (``forms.JSONField``, DRF ``JSONField``): NUL is refused in every key and string value,
  anywhere in the structure. Other control characters are left to JSON, which escapes them.

Fields built before ``ready`` (a form class defined in a module that a models module imports)
would miss the validators; ``medtek.core`` is the first of the project's apps and no models
module imports a form.
"""

import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

#: C0 control characters other than tab, line feed and carriage return, and DEL. NUL is left to
#: Django's and DRF's own validator (``ProhibitNullCharactersValidator``), so a field does not
#: say the same thing twice.
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: What XML 1.0 cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``, plus DEL for the same reason
#: as above): replaced when exported.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REPLACEMENT = "\ufffd"

#: How long free text may be, by what it is (characters): the models' ``TextField(max_length=…)``,
#: which their forms and serializers enforce, and the form fields declared by hand for them. The
#: database column stays ``text``; the limit keeps a pasted log or document out of a record.
ADDRESS_LENGTH = 1_000  # a postal address
REASON_LENGTH = 2_000  # why: a status change, a correction, a publication; a title
NOTE_LENGTH = 4_000  # a note on a document, an action, a signed statement
TEXT_LENGTH = 10_000  # descriptions, notes, findings, justifications

_NAMES = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "BEL",
    "BS",
    "HT",
    "LF",
    "VT",
    "FF",
    "CR",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "FS",
    "GS",
    "RS",
    "US",
]


def character_name(char: str) -> str:
    """“ESC, U+001B”: the control character's short name and code point."""
    code = ord(char)
    name = _NAMES[code] if code < len(_NAMES) else "DEL" if code == 0x7F else ""
    return f"{name}, U+{code:04X}" if name else f"U+{code:04X}"


def printable(text: str) -> str:
    """The text with every character an XLSX file cannot hold replaced by U+FFFD, visibly."""
    return UNWRITABLE.sub(REPLACEMENT, text)


def control_character_error(value: str) -> str | None:
    """The message for text holding a control character, if it holds one: for the few values
    that no form field cleans (an import's key, read by the importer itself)."""
    try:
        ProhibitControlCharactersValidator()(value)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


@deconstructible
class ProhibitControlCharactersValidator:
    """Refuse text holding a control character other than tab, line feed or carriage return."""

    message = _(
        "The text holds a control character (%(character)s), which cannot be stored; remove it."
    )
    code = "control_characters_not_allowed"

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):  # e.g. the UUID a UUIDField makes of its text
            return
        found = CONTROL_CHARACTERS.search(value)
        if found:
            raise ValidationError(
                self.message, code=self.code, params={"character": character_name(found.group())}
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__)

    def __hash__(self) -> int:
        return hash(self.__class__)


def _nul_path(value: Any, path: str = "") -> Iterator[str]:
    """Where in a JSON structure the NUL character stands (``readings[2].note``, or ``""`` for
    the value itself)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                yield where
            else:
                yield from _nul_path(item, where)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _nul_path(item, f"{path}[{i}]")


@deconstructible
class ProhibitNullInJsonValidator:
    """Refuse JSON holding the NUL character in a key or a string value, at any depth."""

    message = _(
        "The data hold the NUL character (U+0000) at “%(where)s”, which cannot be stored; "
        "remove it."
    )
    message_whole = _("The text holds the NUL character (U+0000), which cannot be stored.")
    code = "null_characters_not_allowed"

    def __call__(self, value: Any) -> None:
        where = next(_nul_path(value), None)
        if where is None:
            return
        if not where:
            raise ValidationError(self.message_whole, code=self.code)
        printed = where.replace("\x00", "\\u0000")
        raise ValidationError(self.message, code=self.code, params={"where": printed})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self.__class__)

    def __hash__(self) -> int:
        return hash(self.__class__)


def _append_after_init(cls: type, validator: object) -> None:
    """Wrap ``cls.__init__`` so that every new field ends with ``validator`` (once)."""
    init: Callable[..., None] = cls.__init__  # type: ignore[misc]
    if getattr(init, "_medtek_validator", None) is not None:
        return

    @wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if validator not in self.validators:
            self.validators.append(validator)

    __init__._medtek_validator = validator  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


def install() -> None:
    """Attach the validators to every text and JSON field of Django's forms and of DRF."""
    from rest_framework import serializers

    text, json = ProhibitControlCharactersValidator(), ProhibitNullInJsonValidator()
    for cls in (forms.CharField, forms.EmailField, forms.URLField, forms.SlugField):
        if text not in cls.default_validators:
            cls.default_validators = [*cls.default_validators, text]
    # forms.JSONField is a CharField, whose value after parsing is the structure, not text.
    forms.JSONField.default_validators = [json]
    _append_after_init(serializers.CharField, text)
    _append_after_init(serializers.JSONField, json)
