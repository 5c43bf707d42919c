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
from .org import Member, MemberTransfer, Organization, RoleAssignment
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
    "CompletionKind",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Organization",
    "RoleAssignment",
]
