from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exams.importers import import_file
from exams.models import QuestionBank


class Command(BaseCommand):
    help = "导入试题（Word .docx、.xlsx 模板、JSON、Moodle XML、GIFT）；任何一题有错则全部不导入"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bank", required=True, help="题库名称（不存在则创建）")
        parser.add_argument("--skip-duplicates", action="store_true", help="跳过重复试题（列出），其余照常导入")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Moodle XML：跳过无法导入的试题（列出原因），其余照常导入"
        )
        parser.add_argument(
            "--user",
            help="以该账号导入：题干可引用该账号可用的已有图片（不指定时只能使用文件自带的图片）",
        )

    def handle(
        self,
        *args,
        file: str,
        bank: str,
        skip_duplicates: bool = False,
        skip_invalid: bool = False,
        user: str | None = None,
        **options,
    ):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"账号不存在：{user}")
        bank_obj, created = QuestionBank.objects.get_or_create(name=bank.strip())
        result = import_file(
            bank_obj,
            path.read_bytes(),
            path.name,
            skip_duplicates=skip_duplicates,
            skip_invalid=skip_invalid,
            user=account,
        )
        if not result.ok:
            if created:
                bank_obj.delete()
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"导入失败：共 {len(result.errors)} 处问题，未导入任何试题")
        for notice in result.skipped:
            self.stdout.write(notice)
        self.stdout.write(self.style.SUCCESS(f"已向题库“{bank_obj.name}”导入 {result.created} 道试题"))
