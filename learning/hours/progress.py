"""Marking study items complete: once per member and page, also under concurrency."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from learning.hours.models import ItemCompletion
from learning.members.models import Member


def mark_complete(member: Member, page, kind: str, *, at: dt.datetime | None = None) -> tuple[ItemCompletion, bool]:
    """Record that ``member`` completed ``page``; returns (completion, created).

    The unique (member, page) constraint makes a second call, from any process,
    return the existing row instead of a duplicate.
    """
    try:
        with transaction.atomic():
            return ItemCompletion.objects.create(
                member=member, page_id=page.pk, kind=kind, completed_at=at or timezone.now()
            ), True
    except IntegrityError:
        return ItemCompletion.objects.get(member=member, page_id=page.pk), False


def is_complete(member: Member, page) -> bool:
    return ItemCompletion.objects.filter(member=member, page_id=page.pk).exists()
