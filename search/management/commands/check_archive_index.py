"""Report (and with --fix repair) pages missing from, stale in, or wrongly kept in the archive index."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from search.indexing import check_index


class Command(BaseCommand):
    help = "检查理论文库检索索引与数据库是否一致；--fix 修复缺失、过期和多余的条目"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="补上缺失的、更新过期的、删除多余的索引条目")

    def handle(self, *args, fix: bool = False, **options) -> None:
        report = check_index(fix=fix)
        self.stdout.write(f"已发布的可检索页面 {report.live} 个，索引中 {report.indexed} 个")
        for label, ids in (("缺失", report.missing), ("过期", report.stale), ("多余", report.extra)):
            if ids:
                shown = "、".join(str(i) for i in ids[:20]) + ("…" if len(ids) > 20 else "")
                self.stdout.write(f"  {label} {len(ids)} 个（页面 id：{shown}）")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("索引与数据库一致"))
        elif fix:
            self.stdout.write(self.style.SUCCESS("已修复"))
        else:
            raise CommandError("索引与数据库不一致：运行 check_archive_index --fix 修复")
