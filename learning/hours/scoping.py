"""Who may see ledger entries, offline sessions and hour rules: the members scoping API applied to hours."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from learning.hours.models import HourRule, LedgerEntry, OfflineSession
from learning.members.scoping import scope_for


def managed_ledger_entries(user) -> QuerySet:
    """Ledger entries of the members the user manages (by the member's current branch)."""

    scope = scope_for(user)
    if scope.is_admin:
        return LedgerEntry.objects.all()
    return LedgerEntry.objects.filter(scope.org_filter("member__branch__"))


def managed_offline_sessions(user) -> QuerySet:

    scope = scope_for(user)
    if scope.is_admin:
        return OfflineSession.objects.all()
    return OfflineSession.objects.filter(scope.org_filter("branch__"))


def get_offline_session_for_user(user, session_id: int):
    """The offline session if the user manages its branch; 404 if unknown, 403 otherwise."""

    try:
        session = OfflineSession.objects.select_related("branch").get(pk=session_id)
    except (OfflineSession.DoesNotExist, ValueError, TypeError):
        raise Http404("线下学习记录不存在") from None
    if not scope_for(user).covers_org(session.branch):
        raise PermissionDenied("您无权管理该支部的线下学习")
    return session


def managed_hour_rules(user) -> QuerySet:
    """Hour rules an organizer may change: those of organizations in their subtree (admins: all)."""

    scope = scope_for(user)
    if scope.is_admin:
        return HourRule.objects.all()
    parts = [Q(organization__path__startswith=path) for path in scope.organizer_paths]
    if not parts:
        return HourRule.objects.none()
    return HourRule.objects.filter(reduce(or_, parts))
