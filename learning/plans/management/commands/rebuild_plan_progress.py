"""Recompute every (plan, member) pair's stored progress from the ledger, completions and plan items.

Every write path keeps it (learning/plans/services.py, "stored progress"); this is for rows written
around those paths (a bulk import, a restore) and prints how many rows it found wrong.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from learning.plans.services import rebuild_plan_progress


class Command(BaseCommand):
    help = "重新计算每个学习计划对象的进度（已完成项、计划期内学时）"

    def handle(self, *args, **options) -> None:
        wrong = rebuild_plan_progress()
        self.stdout.write(f"已重新计算学习计划进度；此前与台账不一致的 {wrong} 条已更正")
