"""Print certificates for a criterion into one merged PDF (the admin's 批量打印证书, from a shell)."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learning.certificates.issuing import issue_for_criterion
from learning.certificates.models import Certificate, CertificateKind
from learning.certificates.render import render_pdf, render_zip
from learning.members.models import Organization


class Command(BaseCommand):
    help = "按条件批量颁发并打印证书，输出一份合并 PDF（每页一张证书）"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="组织完整路径，如 市直机关工委/市教育局机关党委")
        parser.add_argument("--year", type=int, required=True, help="年度，如 2026")
        parser.add_argument("--kind", choices=CertificateKind.values, default=CertificateKind.HOURS)
        parser.add_argument("--min-hours", help="年度学时证明：最低学时（--kind hours 时与 --met-target 至少选一）")
        parser.add_argument(
            "--met-target",
            action="store_true",
            help="年度学时证明：只选学时达到本人年度目标（按学时规则）的党员；与 --min-hours 同用时两者都须满足",
        )
        parser.add_argument("--out", required=True, help="输出 PDF 文件")
        parser.add_argument("--zip", help="另存单张 PDF 的 .zip 文件（可选）")
        parser.add_argument("--base-url", help="二维码中验证页的网址前缀，默认 WAGTAILADMIN_BASE_URL")

    def handle(self, *args, **opts):
        org = Organization.by_full_name(opts["org"])
        if org is None:
            raise CommandError(f"找不到组织“{opts['org']}”：请填写完整路径，如 市直机关工委/市教育局机关党委")
        year = opts["year"]
        if opts["kind"] == CertificateKind.HOURS:
            if opts["min_hours"] is None and not opts["met_target"]:
                raise CommandError("--kind hours 需要 --min-hours 或 --met-target")
            min_hours = None
            if opts["min_hours"] is not None:
                try:
                    min_hours = Decimal(opts["min_hours"])
                except InvalidOperation:
                    raise CommandError(f"--min-hours “{opts['min_hours']}” 不是数字") from None
            certs = issue_for_criterion(org, year, min_hours, met_target=opts["met_target"])
        else:
            certs = list(
                Certificate.objects.valid()
                .filter(kind=opts["kind"], year=year, member__branch__path__startswith=org.path)
                .order_by("member__branch__path", "holder_name", "pk")
            )
        if not certs:
            raise CommandError("没有符合条件的证书，未生成文件")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  已排版 {done}/{total}")

        out = Path(opts["out"])
        out.write_bytes(render_pdf(certs, base_url=opts["base_url"], progress=progress))
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {out}：{len(certs)} 张证书，{out.stat().st_size / 1024:.0f} KB，"
                f"用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
        if opts["zip"]:
            Path(opts["zip"]).write_bytes(render_zip(certs, base_url=opts["base_url"]))
            self.stdout.write(self.style.SUCCESS(f"已生成 {opts['zip']}"))
