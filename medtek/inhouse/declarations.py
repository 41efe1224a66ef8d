"""The public declaration of in-house manufactured devices (MDR art. 5(5)(e); IVDR art. 5(5)(f)),
laid out after the model in MDCG 2023-1 Annex A (docs/domain/inhouse.md#public-declaration):
one declaration per health institution (the care provider of the manufacturing unit), a header
with the institution's name and address, the declaration text, place, date and the responsible
person, and one row per approved device — what identifies it, medical device or IVD, its risk
class, its intended purpose, whether Annex I is fully met and, where not, each requirement not
fully met with its reasoned justification.

Generated from the files' structured data, never written by hand, in Swedish (HTML and PDF/A).
Every change in what it would say publishes a new version; earlier versions are kept
(``Declaration`` is append-only).
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from medtek.core import audit, files
from medtek.core.actors import user_or_none
from medtek.core.documents import Document
from medtek.organisation.models import CareProvider

from .actions import Action
from .models import ChecklistItem, Declaration, InhouseDevice

#: The language of the declaration (the public's).
LANGUAGE = "sv"


def rows_for(care_provider: CareProvider) -> list[dict[str, Any]]:
    """The declaration's rows: every approved file whose manufacturing unit belongs to
    ``care_provider``, as plain data (what a published version keeps)."""
    rows = []
    approved = (
        InhouseDevice.objects.filter(
            status=InhouseDevice.Status.APPROVED,
            manufacturer_unit__care_provider=care_provider,
        )
        .select_related("device_model")
        .order_by("file_number")
    )
    for file in approved:
        m = file.device_model
        not_met = [
            {
                "code": item.requirement.code,
                "title": item.requirement.title_sv,
                "justification": item.justification,
            }
            for item in ChecklistItem.objects.filter(
                file=file, applies=True, outcome=ChecklistItem.Outcome.NOT_FULLY_MET
            )
            .select_related("requirement")
            .order_by("requirement__position")
        ]
        with translation.override(LANGUAGE):
            kind = str(file.get_kind_display())
        rows.append(
            {
                "file_number": file.file_number,
                "trade_name": m.trade_name,
                "model_version": m.model_version,
                "manufacturer": m.manufacturer,
                "udi_di": m.udi_di or "",
                "kind": kind,
                "regulation": file.regulation,
                "device_type": "IVD" if file.regulation == "IVDR" else "MD",
                "risk_class": m.risk_class,
                "intended_purpose": file.intended_purpose,
                "fully_met": not not_met,
                "not_met": not_met,
            }
        )
    return rows


def place_of(address: str) -> str:
    """The place a declaration is signed: the postal town of the address's last line."""
    last = address.strip().splitlines()[-1] if address.strip() else ""
    words = last.split()
    while words and words[0].isdigit():
        words.pop(0)
    return " ".join(words)


def document(declaration: Declaration) -> Document:
    return Document(
        template="inhouse/declaration.html",
        title="Offentlig förklaring om egentillverkade medicintekniska produkter",
        number=f"{declaration.institution} – version {declaration.version}",
        date=timezone.localdate(declaration.published_at),
        subject=(
            "Förklaring enligt artikel 5.5 e i förordning (EU) 2017/745 och artikel 5.5 f i "
            "förordning (EU) 2017/746"
        ),
        language=LANGUAGE,
        context={"declaration": declaration},
        created=declaration.published_at,
    )


def _responsible(actor: Any) -> tuple[str, str]:
    user = user_or_none(actor)
    if user is None:
        return str(settings.REGION_NAME), ""
    return user.get_full_name() or user.username, user.title


@transaction.atomic
def publish_if_changed(
    *, actor: Any, care_provider: CareProvider, reason: str
) -> Declaration | None:
    """Publish the next version of ``care_provider``'s declaration if it would say anything else
    than the current one; ``None`` when nothing changed. Runs in the transaction of the change
    that caused it (an approval, a change to an approved file)."""
    provider = CareProvider.objects.select_for_update().get(pk=care_provider.pk)
    rows = rows_for(provider)
    latest = Declaration.objects.filter(care_provider=provider).order_by("-version").first()
    if latest is None and not rows:
        return None
    if latest is not None and latest.rows == rows and latest.address == provider.address:
        return None
    name, title = _responsible(actor)
    declaration = Declaration(
        care_provider=provider,
        version=(latest.version + 1) if latest else 1,
        institution=provider.name,
        address=provider.address,
        responsible=name,
        responsible_title=title,
        place=place_of(provider.address),
        published_at=timezone.now(),
        published_by=user_or_none(actor),
        reason=reason,
        rows=rows,
    )
    doc = document(declaration)
    declaration.pdf = files.store(actor=actor, content=doc.pdf(), name=doc.filename("pdf"))
    declaration.full_clean()
    declaration.save()
    audit.record(
        actor=actor,
        action=Action.DECLARATION_PUBLISH,
        obj=declaration,
        after=audit.snapshot(declaration),
        reason=reason,
    )
    return declaration


def current_declarations() -> list[Declaration]:
    """The latest version of each institution's declaration that lists at least one device: what
    the public page shows."""
    latest: dict[int, Declaration] = {}
    for d in Declaration.objects.select_related("pdf").order_by("care_provider_id", "-version"):
        latest.setdefault(d.care_provider_id, d)
    return [d for d in latest.values() if d.rows]
