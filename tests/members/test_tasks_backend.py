"""Background work goes through django-tasks: immediate by default, a database queue when configured."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import task

from learning.members.choices import OrgKind
from learning.members.models import Organization

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def create_org(name: str) -> int:
    return Organization.add_root(name=name, kind=OrgKind.COMMITTEE).pk


@pytest.mark.django_db
def test_tasks_run_immediately_by_default():
    create_org.enqueue("立即执行的党委")
    assert Organization.objects.filter(name="立即执行的党委").exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_a_worker_on_any_machine_runs_queued_tasks():
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS):  # django-tasks resets its backends on setting_changed
        create_org.enqueue("排队执行的党委")
        assert DBTaskResult.objects.count() == 1
        assert not Organization.objects.filter(name="排队执行的党委").exists()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert Organization.objects.filter(name="排队执行的党委").exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
