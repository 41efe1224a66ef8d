"""Core records: the audit trail, number series, disposal decisions (and the traces disposal
leaves), stored files and the outbox.

All of them are records that must never silently change (design.md, "Records that must never
silently change"): audit events, disposal decisions and traces are append-only at the database
level, a number series never reuses or skips a number, a stored file is never overwritten.
"""

from .audit_event import AuditEvent
from .disposal import DisposalDecision, DisposalTrace
from .files import StoredFile
from .numbers import NumberCounter, NumberSeries, validate_number_format
from .outbox import OutboxMessage

__all__ = [
    "AuditEvent",
    "DisposalDecision",
    "DisposalTrace",
    "NumberCounter",
    "NumberSeries",
    "OutboxMessage",
    "StoredFile",
    "validate_number_format",
]
