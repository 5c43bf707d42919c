from .ledger import LedgerEntry, LedgerKind
from .org import Member, MemberTransfer, Organization, RoleAssignment
from .progress import CompletionKind, ItemCompletion

__all__ = [
    "CompletionKind",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Organization",
    "RoleAssignment",
]
