"""Background task: the periodic sweep that submits attempts whose time is up.

Run it from cron (``python manage.py submit_expired_attempts`` every minute) or
enqueue it with django-tasks; any number of workers may run it at once, because
each submission locks its attempt row.
"""

from django_tasks import task

from exams.services import submit_expired_attempts


@task()
def submit_expired_attempts_task() -> int:
    return submit_expired_attempts()
