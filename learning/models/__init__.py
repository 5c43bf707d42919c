from .certificates import (
    Certificate,
    CertificateKind,
    CertificateTemplate,
    Orientation,
    PrintJob,
    PrintJobStatus,
    SerialCounter,
    VerifyThrottle,
)
from .ledger import LedgerEntry, LedgerKind
from .org import Member, MemberTransfer, Organization, RoleAssignment
from .progress import CompletionKind, ItemCompletion

__all__ = [
    "Certificate",
    "CertificateKind",
    "CertificateTemplate",
    "Orientation",
    "PrintJob",
    "PrintJobStatus",
    "SerialCounter",
    "VerifyThrottle",
    "CompletionKind",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Organization",
    "RoleAssignment",
]
