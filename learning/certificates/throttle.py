"""A per-client rate limit kept in the database, so every app server shares it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from learning.certificates.models import VerifyThrottle


def client_key(request: HttpRequest, scope: str) -> str:
    return f"{scope}:{request.META.get('REMOTE_ADDR', 'unknown')}"[:100]


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one request for ``key``; False once it exceeds ``limit`` within the current window."""
    now = timezone.now()
    start = now - dt.timedelta(seconds=now.timestamp() % window_seconds)
    start = start.replace(microsecond=0)
    with transaction.atomic():
        row, created = VerifyThrottle.objects.get_or_create(key=key, window=start)
        VerifyThrottle.objects.filter(pk=row.pk).update(count=F("count") + 1)
        count = VerifyThrottle.objects.filter(pk=row.pk).values_list("count", flat=True).get()
    if created:
        # New window: drop the old ones (indexed by window), keeping the table small.
        VerifyThrottle.objects.filter(window__lt=now - dt.timedelta(hours=1)).delete()
    return count <= limit
