from .ledger import LedgerEntry, LedgerKind
from .org import Member, MemberTransfer, Organization, RoleAssignment
from .progress import CompletionKind, ItemCompletion
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
    "OfflineAttendance",
    "OfflineKind",
    "OfflineSession",
    "RuleRole",
    "StudyLock",
    "StudyProgress",
    "StudySession",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Organization",
    "RoleAssignment",
]
