"""Background tasks (django-tasks) for study plans."""

from __future__ import annotations

from django_tasks import task


@task()
def send_due_reminders_task() -> int:
    """Send the automatic reminders due today; returns how many members were reminded.

    Enqueue it daily (``manage.py send_reminders --enqueue`` from cron, or any scheduler):
    with ``TASKS_BACKEND=database`` a ``db_worker`` on any machine runs it; the unique
    (plan, member, day) key keeps two workers from reminding anyone twice.
    """
    from learning.plans.services import send_due_reminders

    return sum(count for _plan, count in send_due_reminders())
