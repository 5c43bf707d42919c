"""A per-client sliding-window rate limit kept in the database, so every app server shares it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

from learning.certificates.models import VerifyThrottle


def client_key(request: HttpRequest, scope: str) -> str:
    return f"{scope}:{request.META.get('REMOTE_ADDR', 'unknown')}"[:100]


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one request for ``key``; False once more than ``limit`` fell in the last ``window_seconds``.

    A sliding window, not fixed minutes: requests are counted in one-second buckets (one row
    per client and second, so at most ``window_seconds`` rows per client) and the buckets of the
    last ``window_seconds`` are summed, so a burst across a minute boundary is still one window.
    Refused requests count too: a client that keeps hammering stays refused.
    """
    now = timezone.now().replace(microsecond=0)
    since = now - dt.timedelta(seconds=window_seconds)
    with transaction.atomic():
        row, created = VerifyThrottle.objects.get_or_create(key=key, window=now)
        VerifyThrottle.objects.filter(pk=row.pk).update(count=F("count") + 1)
        count = VerifyThrottle.objects.filter(key=key, window__gt=since).aggregate(total=Sum("count"))["total"] or 0
    if created:
        # At most once a second per client: drop buckets older than any window (indexed by window).
        VerifyThrottle.objects.filter(window__lt=now - dt.timedelta(hours=1)).delete()
    return count <= limit
