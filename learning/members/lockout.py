"""Login lockout (django-axes): per account and address, and per address across accounts.

Axes counts failed logins per (account, client address) and per client address alone
(``AXES_LOCKOUT_PARAMETERS``) but holds both to one limit. Password spraying (a few guesses on
each of many accounts from one machine) needs its own, larger limit, because colleagues behind
one office address also mistype: ``AXES_FAILURE_LIMIT`` failures of one account from one
address, or ``AXES_IP_FAILURE_LIMIT`` failures from one address over all accounts, lock out.

A successful login forgets only that account's failures from that address, so logging in to
one's own account does not wipe the address's failed guesses at other accounts.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures on axes' scale: the account-and-address count, or the address count scaled
        so that ``AXES_IP_FAILURE_LIMIT`` of them reach ``AXES_FAILURE_LIMIT``."""
        pair, *address = self.get_user_attempts(request, credentials)
        failures = _failures(pair)
        if address:
            limit = get_failure_limit(request, credentials)
            ip_limit = max(int(getattr(settings, "AXES_IP_FAILURE_LIMIT", limit)), 1)
            failures = max(failures, _failures(address[0]) * limit // ip_limit)
        return failures

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
