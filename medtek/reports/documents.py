"""The report copy (docs/domain/reporting.md#device-incident-reports): the facts the
authority's e-service asks for — device, UDI, manufacturer, event, consequence, actions, reporter
and contact — as a document of the region's (core.documents: HTML and PDF/A), with no patient
identity: what still looks like a personal identity number in the text is masked unless the
drafter confirmed it is not one. For a CE-device incident the manufacturer gets its own copy
(HSLF-FS 2021:52 ch. 5 § 5).

The copy is written in Swedish, whatever language the person who sends it reads: its title and
subject too, not only its body.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from medtek.core.documents import Document
from medtek.core.identity import mask_personal_numbers

from .models import FREE_TEXT_FIELDS, Report

#: The language of the copies (the authorities' and the diary's).
LANGUAGE = "sv"


def report_copy(report: Report, *, for_manufacturer: bool = False) -> Document:
    """The copy of ``report`` (the manufacturer's with ``for_manufacturer``), dated the day it
    was sent, or while a draft the day the event became known.

    Note: reads the report's kind, authority, unit, care provider, contact person, device and
    related report; select them with it."""
    texts = {
        name: (
            getattr(report, name)
            if report.personal_numbers_confirmed
            else mask_personal_numbers(getattr(report, name) or "")
        )
        for name in FREE_TEXT_FIELDS
    }
    with translation.override(LANGUAGE):
        title = (
            _("Copy for the manufacturer: %(kind)s") % {"kind": report.kind.name}
            if for_manufacturer
            else report.kind.name
        )
        subject = _("%(kind)s to %(authority)s") % {
            "kind": report.kind.name,
            "authority": report.authority.name,
        }
    return Document(
        template="reports/report_copy.html",
        title=title,
        number=report.number,
        date=report.sent_on or report.awareness_date,
        subject=subject,
        language=LANGUAGE,
        context={"report": report, "texts": texts, "for_manufacturer": for_manufacturer},
    )
