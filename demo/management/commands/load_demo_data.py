"""Load the demo site: organizations, members, content, and what later modules add.

The demo is the top floor: it orchestrates every app's ``demo.load(stdout=None)``, in
dependency order (each may use what the ones before it made), and no app imports it.
Idempotent: running it twice changes nothing.
"""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from learning.members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

DEMO_MODULES = [
    "learning.members.demo",  # organizations, members, roles, the demo accounts
    "courses.demo",  # home page, 理论学习 section, training courses
    "demo.materials",  # the theory materials: demo/archive/ through import_archive's importer
    "learning.hours.demo",  # hour rules, a year of study for every member, offline sessions
    "exams.demo",  # question banks, tests and graded attempts
    "learning.plans.demo",  # a study plan per branch, members at different stages, reminders
    "learning.seminars.demo",  # 研讨专题 with posts and reviewed 心得, one 优秀 published to the archive
    "learning.evaluations.demo",  # a scheme and a published quarter
    "learning.certificates.demo",  # certificate templates and issued certificates
    "learning.reviews.demo",  # 民主评议: last year's round completed, this year's open
]


class Command(BaseCommand):
    help = "加载演示数据（可重复运行，不会重复创建）"

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            for module_name in DEMO_MODULES:
                import_module(module_name).load(stdout=self.stdout)

        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, name, branch, role in DEMO_ACCOUNTS:
            where = f"，{branch}" if branch else ""
            self.stdout.write(f"  {role:<16} 账号 {username:<10} {name}{where}")
