from .ledger import LedgerEntry, LedgerEntryQuerySet, LedgerKind
from .progress import CompletionKind, ItemCompletion, ItemKind
from .study import (
    DEFAULT_ANNUAL_TARGET,
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
    "DEFAULT_ANNUAL_TARGET",
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
