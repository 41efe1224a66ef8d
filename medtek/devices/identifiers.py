"""Device identifiers: UDI-DI (GS1 GTIN, HIBC), EMDN codes (docs/domain/devices.md: #udi,
#check-digits, #emdn).

GTIN check digits come from python-stdnum (``stdnum.ean``). python-stdnum has no HIBC, so its
mod-43 check character is computed here, per the HIBC Supplier Labeling Standard (ANSI/HIBC 2.6).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

#: The 43 characters of the HIBC (Code 39) set, in check-value order.
HIBC_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"

_HIBC_PRIMARY = re.compile(r"^\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9]$")
_EMDN = re.compile(r"^[A-Z]\d{2}(\d{2}){1,5}$")


class Issuer:
    GS1 = "gs1"
    HIBCC = "hibcc"
    ICCBBA = "iccbba"
    IFA = "ifa"


def hibc_check_character(data: str) -> str:
    """The mod-43 check character of an HIBC data string (including its leading ``+``)."""
    total = 0
    for char in data:
        value = HIBC_CHARSET.find(char)
        if value < 0:
            raise ValueError(f"{char!r} is not an HIBC character")
        total += value
    return HIBC_CHARSET[total % 43]


def validate_hibc(value: str) -> None:
    """An HIBC primary data structure: ``+`` LIC(4) product(1–18) unit-of-measure(1) check(1)."""
    code = value.strip().strip("*").upper()
    body, check = code[:-1], code[-1:]
    if not _HIBC_PRIMARY.match(body):
        raise ValidationError(
            _(
                "%(value)s is not an HIBC UDI-DI (+, a 4-character labeler code, product code, "
                "unit of measure and check character)."
            ),
            params={"value": value},
            code="invalid_hibc",
        )
    if hibc_check_character(body) != check:
        raise ValidationError(
            _("%(value)s has a wrong HIBC check character (expected %(expected)s)."),
            params={"value": value, "expected": hibc_check_character(body)},
            code="invalid_hibc_check",
        )


def validate_gtin(value: str) -> None:
    """A GS1 GTIN-8, -12, -13 or -14 with a correct mod-10 check digit."""
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValidationError(
            _("%(value)s is not a GTIN (8, 12, 13 or 14 digits)."),
            params={"value": value},
            code="invalid_gtin",
        )
    try:
        ean.validate(digits)
    except StdnumError:
        raise ValidationError(
            _("%(value)s has a wrong GTIN check digit (expected %(expected)s)."),
            params={"value": value, "expected": ean.calc_check_digit(digits[:-1])},
            code="invalid_gtin_check",
        ) from None


def validate_udi_di(value: str, issuer: str) -> None:
    """Check a UDI-DI by its issuing entity's rules (GS1 and HIBCC; ICCBBA/IFA: form only)."""
    if issuer == Issuer.GS1:
        validate_gtin(value)
    elif issuer == Issuer.HIBCC:
        validate_hibc(value)
    elif not value.strip() or len(value) > 60:
        raise ValidationError(_("A UDI-DI has 1–60 characters."), code="invalid_udi_di")


def validate_emdn(value: str) -> None:
    """EMDN code: a category letter, a two-digit group, then 1–5 levels of two digits (≤ 13)."""
    if len(value) > 13 or not _EMDN.match(value):
        raise ValidationError(
            _(
                "%(value)s is not an EMDN code (e.g. Z12010101: a letter, two digits for the "
                "group, "
                "then one to five levels of two digits)."
            ),
            params={"value": value},
            code="invalid_emdn",
        )
