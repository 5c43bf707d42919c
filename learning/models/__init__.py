from .certificates import (
    Certificate,
    CertificateKind,
    CertificateQuerySet,
    CertificateTemplate,
    Orientation,
    PrintJob,
    PrintJobStatus,
    SerialCounter,
    VerifyThrottle,
)
from .evaluations import (
    EvaluationResult,
    EvaluationRun,
    EvaluationScheme,
    Normalization,
    PeriodKind,
    SchemeIndicator,
    ScoreAdjustment,
    SnapshotJSONField,
    StarMode,
)
from .ledger import (
    LedgerEntry,
    LedgerEntryQuerySet,
    LedgerKind,
)
from .notifications import (
    Notification,
    PlanReminder,
    ReminderKind,
)
from .org import (
    Member,
    MemberTransfer,
    Organization,
    RoleAssignment,
)
from .plans import (
    AudienceKind,
    PlanItem,
    PlanRecipient,
    StudyPlan,
)
from .progress import (
    CompletionKind,
    ItemCompletion,
)

__all__ = [
    "AudienceKind",
    "Certificate",
    "CertificateKind",
    "CertificateQuerySet",
    "CertificateTemplate",
    "CompletionKind",
    "EvaluationResult",
    "EvaluationRun",
    "EvaluationScheme",
    "ItemCompletion",
    "LedgerEntry",
    "LedgerEntryQuerySet",
    "LedgerKind",
    "Member",
    "MemberTransfer",
    "Normalization",
    "Notification",
    "Organization",
    "Orientation",
    "PeriodKind",
    "PlanItem",
    "PlanRecipient",
    "PlanReminder",
    "PrintJob",
    "PrintJobStatus",
    "ReminderKind",
    "RoleAssignment",
    "SchemeIndicator",
    "ScoreAdjustment",
    "SerialCounter",
    "SnapshotJSONField",
    "StarMode",
    "StudyPlan",
    "VerifyThrottle",
]
