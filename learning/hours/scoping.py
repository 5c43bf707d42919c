"""Who may see ledger entries, offline sessions and hour rules: the members scoping API applied to hours."""

from __future__ import annotations

from django.db.models import QuerySet

from learning.hours.models import HourRule, LedgerEntry, OfflineSession
from learning.members.scoping import get_or_404, scope_for, scoped


def managed_ledger_entries(user) -> QuerySet[LedgerEntry]:
    """Ledger entries of the members the user manages (by the member's current branch)."""
    return scoped(LedgerEntry.objects.all(), user, "member__branch")


def managed_offline_sessions(user) -> QuerySet[OfflineSession]:
    return scoped(OfflineSession.objects.all(), user, "branch")


def get_offline_session_for_user(user, session_id: int) -> OfflineSession:
    """The offline session if the user manages its branch; 404 if unknown, 403 otherwise."""
    return get_or_404(
        OfflineSession.objects.select_related("branch"),
        "线下学习记录不存在",
        pk=session_id,
        allowed=lambda session: scope_for(user).covers_org(session.branch),
        denied="您无权管理该支部的线下学习",
    )


def managed_hour_rules(user) -> QuerySet[HourRule]:
    """Hour rules an organizer may change: those of organizations in their subtree (admins: all)."""
    return scoped(HourRule.objects.all(), user, "organization", organizer_only=True)
