"""What stands between an in-house file and clinical use: the conditions of art. 5(5) beyond
the file's own evidence ((d)–(h)), and everything the approval requires
(docs/domain/inhouse.md#conditions, #sign-off).

Pure reads over the file and its records, used by the lifecycle's guards (services), the file
page and the API, so that the page shows exactly what the approval would refuse.
"""

import calendar
import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtek.devices.models import Device, DeviceStatus
from medtek.reports.models import Report

from .models import (
    REQUIRED_DOCUMENT_KINDS,
    ChecklistItem,
    Condition,
    FileDocument,
    InhouseDevice,
    SignOff,
    assessed_q,
)

#: The report states in which the notification has gone to the authority (and is registered).
SENT_STATES = (
    Report.Status.SENT,
    Report.Status.ACKNOWLEDGED,
    Report.Status.SUPPLEMENTED,
    Report.Status.CLOSED,
)


def notification_holds(file: InhouseDevice) -> str | None:
    """What is missing for condition (d), or ``None``: a notification of the file sent to the
    authority (and so registered in the diary), drafted after the file's last material change
    (HSLF-FS 2021:32 ch. 4 § 2)."""
    report = file.notification
    if report is None:
        return _("IVO has not been notified: draft the notification from the file and send it.")
    if report.status not in SENT_STATES:
        return _("The IVO notification %(number)s is drafted but not sent.") % {
            "number": report.number
        }
    if file.material_change_at and report.created_at < file.material_change_at:
        return _(
            "The file changed materially on %(date)s after IVO was notified: send a new "
            "notification."
        ) % {"date": timezone.localdate(file.material_change_at).isoformat()}
    return None


def missing_document_kinds(file: InhouseDevice) -> list[str]:
    """The kinds of technical document (f) the file has no current version of."""
    have = set(FileDocument.objects.filter(file=file).current().values_list("kind", flat=True))
    return [k for k in REQUIRED_DOCUMENT_KINDS if k not in have]


def devices_unreleased(file: InhouseDevice) -> QuerySet[Device]:
    """Registered devices of the file's model (not scrapped) with no release record (g)."""
    return (
        Device.objects.filter(model_id=file.device_model_id)
        .exclude(status=DeviceStatus.SCRAPPED)
        .filter(release_records__isnull=True)
        .order_by("inventory_number")
    )


def next_review_due(file: InhouseDevice) -> datetime.date | None:
    """When the next review of clinical experience (h) is due: the interval after the last
    review, or after the approval when there has been none; ``None`` before approval."""
    return file.review_due


def compute_review_due(file: InhouseDevice) -> datetime.date | None:
    """What :attr:`InhouseDevice.review_due` should hold now (the services keep it)."""
    last = file.reviews.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
    start = last or (timezone.localdate(file.approved_at) if file.approved_at else None)
    if start is None:
        return None
    return add_months(start, file.review_interval_months)


def review_overdue_q(today: datetime.date) -> Q:
    """Files in use whose review of clinical experience is overdue: the SQL form of
    :func:`review_problem`."""
    return Q(
        status__in=[InhouseDevice.Status.APPROVED, InhouseDevice.Status.SUSPENDED],
        review_due__lt=today,
    )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` ``months`` later; the last day of the month when that month is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def review_problem(file: InhouseDevice, today: datetime.date) -> str:
    due = next_review_due(file)
    if (
        due is not None
        and due < today
        and file.status
        in (
            InhouseDevice.Status.APPROVED,
            InhouseDevice.Status.SUSPENDED,
        )
    ):
        return _("The review of clinical experience was due on %(date)s.") % {
            "date": due.isoformat()
        }
    return ""


def checklist_progress(file: InhouseDevice) -> tuple[int, int]:
    """(assessed, total) items of the file's Annex I checklist."""
    items = ChecklistItem.objects.filter(file=file)
    return items.filter(assessed_q()).count(), items.count()


def later_conditions(file: InhouseDevice, today: datetime.date) -> list[Condition]:
    """Conditions (d)–(h) of MDR art. 5(5) ((e)–(i) of the IVDR's) and what is missing for each."""
    found = [
        Condition("d", gettext_lazy("Information to the authority"), notification_holds(file) or "")
    ]
    published = file.status == InhouseDevice.Status.APPROVED
    found.append(
        Condition(
            "e",
            gettext_lazy("Public declaration"),
            "" if published else _("Published when the file is approved."),
        )
    )
    kinds = missing_document_kinds(file)
    labels = dict(FileDocument.Kind.choices)
    done, total = checklist_progress(file)
    f_problems = []
    if kinds:
        f_problems.append(
            _("Missing documents: %(kinds)s.") % {"kinds": ", ".join(str(labels[k]) for k in kinds)}
        )
    if total == 0 or done < total:
        f_problems.append(
            _("Annex I checklist: %(done)d of %(total)d items assessed.")
            % {"done": done, "total": total}
        )
    found.append(Condition("f", gettext_lazy("Technical documentation"), " ".join(f_problems)))
    unreleased = list(devices_unreleased(file).values_list("inventory_number", flat=True)[:6])
    g_problem = ""
    if unreleased:
        shown = ", ".join(unreleased[:5]) + (" …" if len(unreleased) > 5 else "")
        g_problem = _("Devices with no release record: %(devices)s.") % {"devices": shown}
    found.append(Condition("g", gettext_lazy("Made according to the documentation"), g_problem))
    found.append(
        Condition("h", gettext_lazy("Review of clinical experience"), review_problem(file, today))
    )
    return found


def signoff_problems(file: InhouseDevice, authors: set[Any]) -> list[str]:
    """What is missing in the joint sign-off of the current round."""
    problems = []
    signed = {s.capacity: s for s in SignOff.objects.filter(file=file, round=file.signoff_round)}
    for capacity, label in SignOff.Capacity.choices:
        s = signed.get(capacity)
        if s is None:
            problems.append(_("Not signed by: %(who)s.") % {"who": str(label).lower()})
        elif s.person_id in authors:
            problems.append(
                _("%(person)s wrote the file and cannot sign it.")
                % {"person": s.person.get_full_name() or s.person.username}
            )
    people = [s.person_id for s in signed.values()]
    if len(people) == 2 and people[0] == people[1]:
        problems.append(_("The two signatures must be by two different people."))
    if file.using_unit_id is None:
        problems.append(_("The file names no using unit whose head signs it."))
    return problems


def approval_problems(
    file: InhouseDevice, today: datetime.date, *, authors: set[Any]
) -> list[tuple[str, str]]:
    """Everything the approval for clinical use requires and the file lacks, each named, as
    (topic, message): every condition of art. 5(5) met (but (e), which the approval publishes;
    the checklist is part of (f)), the joint sign-off by two people who did not write the file,
    the IVO notification (d) sent and registered."""
    problems: list[tuple[str, str]] = []
    for c in file.conditions(today):
        if not c.met:
            text = f"({file.letter(c.point)}) {c.problem}" if c.point else str(c.problem)
            problems.append(("conditions", text))
    for c in later_conditions(file, today):
        if not c.met and c.point != "e":
            problems.append((c.point, f"({file.letter(c.point)}) {c.problem}"))
    problems += [("signoff", p) for p in signoff_problems(file, authors)]
    if not file.manufacturer_unit.care_provider.address:
        problems.append(
            (
                "declaration",
                _("%(provider)s has no postal address for the public declaration.")
                % {"provider": file.manufacturer_unit.care_provider.name},
            )
        )
    return problems


#: The topics of :func:`approval_problems`, in the order a refusal names them.
APPROVAL_TOPICS = ("conditions", "d", "f", "g", "h", "signoff", "declaration")
