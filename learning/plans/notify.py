"""The one way the site tells people something: an in-site notice, and an e-mail where an address exists.

Every feature that notifies (plan assigned or due, exam opening, certificate issued,
公示 published, 心得 reviewed, 民主评议 steps) calls :func:`notify`; nothing else writes
:class:`~learning.plans.models.Notification` rows or sends mail to members.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction

from learning.plans.models import Notification


def notify(users: Iterable, title: str, body: str = "", url: str = "", *, plan=None, email: bool = True) -> int:
    """Notify ``users`` (user objects or user ids): one in-site notice each, and an e-mail after commit
    to those who have an address. Returns how many were notified."""
    ids = sorted({getattr(u, "pk", u) for u in users if u is not None})
    if not ids:
        return 0
    title = title[:200]
    url = url[:300]
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(user_id=uid, title=title, body=body, url=url, plan=plan) for uid in ids],
            batch_size=2000,
        )
        if email:
            link = f"\n\n{settings.WAGTAILADMIN_BASE_URL}{url}" if url else ""
            recipients = get_user_model().objects.filter(pk__in=ids).exclude(email="").values_list("email", flat=True)
            messages = [(title, f"{body}{link}", None, [address]) for address in recipients]
            if messages:
                transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(ids)
