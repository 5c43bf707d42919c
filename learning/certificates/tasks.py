"""Background work for certificates (django-tasks: immediate by default, a DB queue in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def render_print_job(job_id: int) -> None:
    from learning.certificates.printing import run_print_job

    run_print_job(job_id)
