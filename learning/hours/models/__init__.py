from .ledger import LedgerEntry, LedgerEntryQuerySet, LedgerKind
from .progress import CompletionKind, ItemCompletion, ItemKind
from .study import (
    HourRule,
    OfflineAttendance,
    OfflineKind,
    OfflineSession,
    RuleRole,
    StudyLock,
    StudyProgress,
    StudySession,
)

__all__ = [
    "CompletionKind",
    "HourRule",
    "ItemCompletion",
    "ItemKind",
    "LedgerEntry",
    "LedgerEntryQuerySet",
    "LedgerKind",
    "OfflineAttendance",
    "OfflineKind",
    "OfflineSession",
    "RuleRole",
    "StudyLock",
    "StudyProgress",
    "StudySession",
]
