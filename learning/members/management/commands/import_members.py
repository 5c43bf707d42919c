from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from learning.members.importers import import_members, initial_passwords_xlsx


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 名册导入党员（全部成功或全部不导入）"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--create-orgs", action="store_true", help="自动创建名册中不存在的组织")
        parser.add_argument(
            "--passwords-file",
            default="",
            help="新账号一次性初始密码表（.xlsx）的保存路径（默认：名册所在目录下的“新账号初始密码-时间.xlsx”）",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        with path.open("rb") as fh:
            result = import_members(
                fh,
                path.name,
                create_missing_orgs=options["create_orgs"],
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"导入失败：发现 {len(result.errors)} 处错误，未导入任何数据")
        for org in result.created_orgs:
            self.stdout.write(f"新建组织：{org}")
        self.stdout.write(self.style.SUCCESS(f"导入完成：新建 {len(result.created)} 人，更新 {len(result.updated)} 人"))
        if result.initial_passwords:
            stamp = timezone.localtime().strftime("%Y%m%d%H%M")
            out = Path(options["passwords_file"] or path.with_name(f"新账号初始密码-{stamp}.xlsx"))
            out.write_bytes(initial_passwords_xlsx(result))
            out.chmod(0o600)
            self.stdout.write(f"新账号一次性初始密码已写入：{out}（请逐人发放后删除该文件）")
