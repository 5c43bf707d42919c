"""Load the demo site: organizations, members, content, and what later modules add.

Idempotent: running it twice changes nothing. Each app contributes a `demo.load()`;
they run in dependency order.
"""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "learning.members.demo",
    "courses.demo",
    "learning.hours.demo",
    "exams.demo",
    "learning.plans.demo",
    "learning.evaluations.demo",
    "learning.certificates.demo",
]


class Command(BaseCommand):
    help = "加载演示数据（可重复运行，不会重复创建）"

    def handle(self, *args, **options):
        with transaction.atomic():
            for module_name in DEMO_MODULES:
                import_module(module_name).load(stdout=self.stdout)
        from learning.members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, name, branch, role in DEMO_ACCOUNTS:
            where = f"，{branch}" if branch else ""
            self.stdout.write(f"  {role:<16} 账号 {username:<10} {name}{where}")
