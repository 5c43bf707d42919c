"""Automatic study-plan reminders, for cron: `python manage.py send_reminders` once a day."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "向学习计划未完成的党员发送到期前提醒（每天运行一次；同一计划同一天不会重复提醒）"

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行（TASKS_BACKEND=database 时）")

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            from learning.plans.tasks import send_due_reminders_task

            result = send_due_reminders_task.enqueue()
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        from learning.plans.services import send_due_reminders

        sent = send_due_reminders()
        if not sent:
            self.stdout.write("今天没有需要自动提醒的学习计划")
        for plan, count in sent:
            self.stdout.write(f"「{plan.title}」（{plan.organization.name}，{plan.due_on} 截止）：提醒 {count} 人")
