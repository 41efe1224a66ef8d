"""An example diary-like entry (a versioned record with a sensitive field and attachments), and a
task with a lifecycle."""

from django.db import models

from medtek.core.models import StoredFile
from medtek.core.records import VersionedRecord
from medtek.organisation.models import Unit

#: What a person gives and may change of an entry (service, form, serializer, export).
ENTRY_FIELDS = ("number", "title", "description", "party", "unit")


class Entry(VersionedRecord):
    """A registered entry: append-only once registered (sealed); ``description``, the file and
    the attachments' notes may be disposed of; ``party`` is sensitive."""

    DISPOSABLE_FIELDS = ("description", "file")

    number = models.CharField("number", max_length=40)
    title = models.CharField("title", max_length=200)
    description = models.TextField("description", blank=True)
    party = models.CharField("party", max_length=200, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # related_name="+" on purpose: the file store must find references it cannot name.
    file = models.ForeignKey(
        StoredFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="file",
    )

    class Meta(VersionedRecord.Meta):
        verbose_name = "entry"
        verbose_name_plural = "entries"
        ordering = ["number", "version"]
        constraints = [
            *VersionedRecord.Meta.constraints,
            models.UniqueConstraint(fields=["number", "version"], name="example_entry_number"),
        ]

    def __str__(self) -> str:
        return self.number


class Attachment(models.Model):
    """A note attached to an entry; frozen with it once the entry is registered."""

    SEALED_PARENT = "entry"
    DISPOSABLE_FIELDS = ("note",)

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField("name", max_length=100)
    note = models.TextField("note", blank=True)

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """A task that moves open → in progress → done (or cancelled), per ``services.LIFECYCLE``."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField("title", max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.OPEN)
    checked = models.BooleanField("checked", default=False)

    def __str__(self) -> str:
        return self.title
