from .evaluations import (
    EvaluationResult,
    EvaluationRun,
    EvaluationScheme,
    Normalization,
    PeriodKind,
    SchemeIndicator,
    ScoreAdjustment,
    StarMode,
)
from .ledger import LedgerEntry, LedgerKind
from .notifications import Notification, PlanReminder, ReminderKind
from .org import Member, MemberTransfer, Organization, RoleAssignment
from .plans import AudienceKind, PlanItem, PlanRecipient, StudyPlan
from .progress import CompletionKind, ItemCompletion

__all__ = [
    "EvaluationResult",
    "EvaluationRun",
    "EvaluationScheme",
    "Normalization",
    "PeriodKind",
    "SchemeIndicator",
    "ScoreAdjustment",
    "StarMode",
    "AudienceKind",
    "Notification",
    "PlanItem",
    "PlanRecipient",
    "PlanReminder",
    "ReminderKind",
    "StudyPlan",
    "CompletionKind",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Organization",
    "RoleAssignment",
]
