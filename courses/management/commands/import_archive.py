"""python manage.py import_archive PATH… [--parent PAGE] [--tags-from-folders] [--publish]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.importers.archive import ArchiveImporter
from courses.models import TheoryIndexPage


class Command(BaseCommand):
    help = "把文件夹中的 .md / .txt / .html / .docx 文件导入为理论学习资料（重复运行只更新有变化的文件）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹")
        parser.add_argument(
            "--parent",
            metavar="PAGE",
            help="导入到哪个理论学习栏目：页面 ID、slug 或 URL 路径（如 /theory/）；默认为唯一的理论学习栏目",
        )
        parser.add_argument("--tags-from-folders", action="store_true", help="以所在文件夹名称作为标签")
        parser.add_argument("--publish", action="store_true", help="新建的资料直接发布（默认保存为草稿）")

    def handle(self, *args, **options) -> None:
        parent = self._parent(options["parent"])
        verbosity = options["verbosity"]

        def progress(done: int, total: int, seconds: float) -> None:
            if verbosity >= 1 and total > 0:
                self.stdout.write(f"  已处理 {done}/{total}（{done * 100 // total}%），用时 {seconds:.1f} 秒")

        importer = ArchiveImporter(
            parent, publish=options["publish"], tags_from_folders=options["tags_from_folders"], progress=progress
        )
        self.stdout.write(f"导入到栏目“{parent.title}”（{parent.url_path}）…")
        result = importer.run([Path(path) for path in options["paths"]])
        for path, reason in result.failed:
            self.stderr.write(f"失败：{path}：{reason}")
        summary = (
            f"完成：新建 {result.created}，更新 {result.updated}，未变化 {result.unchanged}，"
            f"失败 {len(result.failed)}，忽略 {result.ignored}；用时 {result.seconds:.1f} 秒"
        )
        self.stdout.write(self.style.WARNING(summary) if result.failed else self.style.SUCCESS(summary))

    def _parent(self, value: str | None) -> TheoryIndexPage:
        indexes = TheoryIndexPage.objects.all()
        if value:
            if value.isdigit():
                page = indexes.filter(pk=int(value)).first()
            elif "/" in value:
                path = "/" + value.strip("/") + "/"
                page = indexes.filter(url_path__endswith=path).order_by("depth").first()
            else:
                page = indexes.filter(slug=value).first()
            if page is None:
                raise CommandError(f"找不到理论学习栏目“{value}”（可用页面 ID、slug 或路径指定）")
            return page
        count = indexes.count()
        if count == 0:
            raise CommandError("还没有理论学习栏目：请先在管理后台创建，或运行 load_demo_data")
        if count > 1:
            choices = "、".join(f"{page.pk}:{page.title}" for page in indexes)
            raise CommandError(f"有多个理论学习栏目，请用 --parent 指定：{choices}")
        return indexes.get()
