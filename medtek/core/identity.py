"""Patient identity kept out of free text (docs/domain/reporting.md, "No patient identity").

A report to an authority, a deviation or a diary entry's public facts must not name the patient:
the region's copy is a public document unless secrecy applies (OSL ch. 25 § 1), and the
authorities' e-services ask for the event, not the person. What a person types is checked for
what looks like a Swedish personal identity number (personnummer) or co-ordination number
(samordningsnummer): ten or twelve digits, with or without the ``-``/``+`` separator, whose
date and check digit python-stdnum accepts. A serial number can look like one by chance, so
the check warns (a form asks the person to remove it or to confirm it is not one), and a
generated copy masks what still looks like one unless that was confirmed.
"""

import re

from stdnum.se import personnummer

#: Ten or twelve digits, optionally with the separator before the last four; not part of a
#: longer run of digits.
_CANDIDATE = re.compile(r"(?<![\d-])(?:\d{2})?\d{6}[-+]?\d{4}(?![\d])")

#: What a masked number shows as.
MASK = "[personnummer borttaget]"


def personal_numbers_in(text: str) -> list[str]:
    """Every personnummer or samordningsnummer in ``text``, as written there."""
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        candidate = match.group(0)
        try:
            valid = personnummer.is_valid(candidate)
        except Exception:
            valid = False
        if valid:
            found.append(candidate)
    return found


def mask_personal_numbers(text: str) -> str:
    """``text`` with every personnummer in it replaced by :data:`MASK`."""
    found = set(personal_numbers_in(text))
    if not found:
        return text
    return _CANDIDATE.sub(lambda m: MASK if m.group(0) in found else m.group(0), text)
