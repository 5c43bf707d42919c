"""Rebuild the archive index from the database (both cores: whoosh sub-processes analyse in parallel)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from search.backends import get_backend
from search.indexing import live_documents, live_pages_count


class Command(BaseCommand):
    help = "从数据库重建理论文库检索索引（显示进度，使用多个处理器核心）"

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        total = live_pages_count()
        self.stdout.write(f"重建检索索引：共 {total} 个已发布页面")
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity >= 1:
                percent = 100 * done // total if total else 100
                self.stdout.write(f"  已提交 {done}/{total}（{percent}%），用时 {time.monotonic() - started:.1f} 秒")

        count = get_backend().rebuild(live_documents(), total, progress)
        self.stdout.write(self.style.SUCCESS(f"完成：索引了 {count} 个页面，用时 {time.monotonic() - started:.1f} 秒"))
