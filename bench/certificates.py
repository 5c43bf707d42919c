"""Benchmark: 1,000 certificates as one merged PDF vs the floor (1,000 plain-text pages, same font).

    .venv/bin/python bench/certificates.py [--count 1000]

Builds a throw-away SQLite database with 1,000 members and certificates, then renders in
child processes (so each peak-memory figure is that run's own) and prints the figures next to
the targets: < 60 s, within 2x of the floor, < 50 KB per certificate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国晓明丽华志强海燕文杰秀英国庆红梅立新雅琴子涵思远明辉欣怡俊峰慧敏振华晓燕宏伟佳琪永刚春燕浩然静怡伟东玉兰"
COURSES = ["新时代党建工作实务", "依法行政专题培训", "机关公文写作规范", "保密知识与实务", "党史专题学习"]


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def build_data(count: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from learning.certificates.issuing import new_code
    from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate
    from learning.members.choices import OrgKind
    from learning.members.models import Member, Organization

    call_command("migrate", verbosity=0)
    root = Organization.add_root(name="市直机关工委", kind=OrgKind.WORK_COMMITTEE)
    committee = root.add_child(name="市教育局机关党委", kind=OrgKind.COMMITTEE)
    branches = [committee.add_child(name=f"第{i + 1}党支部", kind=OrgKind.BRANCH) for i in range(10)]
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench{i}") for i in range(count)])
    members = Member.objects.bulk_create(
        [
            Member(
                user=u,
                name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 2) % len(GIVEN)] + GIVEN[(i * 7 + 1) % len(GIVEN)],
                branch=branches[i % 10],
            )
            for i, u in enumerate(users)
        ]
    )
    template = CertificateTemplate.objects.create(
        name="结业证书",
        kind=CertificateKind.COURSE,
        title="结业证书",
        wording="{姓名}同志于{日期}完成“{课程}”课程的全部学习内容，累计认定{学时}学时，经考核合格，准予结业。\n特发此证。",
        issuer_name="中共市直机关工作委员会",
        organization=root,
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                kind=CertificateKind.COURSE,
                member=m,
                holder_name=m.name,
                template=template,
                subject=COURSES[i % len(COURSES)],
                year=2026,
                hours=Decimal(8 + i % 24),
                achieved_on=dt.date(2026, 1 + i % 12, 1 + i % 28),
                issuer=root,
                issuer_name=template.issuer_name,
                serial=f"2026-{i + 1:06d}",
                code=new_code(),
                dedupe_key=f"course:bench:{i}",
            )
            for i, m in enumerate(members)
        ]
    )


def child(kind: str, out: Path) -> dict:
    from learning.certificates.models import Certificate

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cpu_started = time.process_time()
    if kind == "certificates":
        from learning.certificates.render import render_pdf

        certs = list(Certificate.objects.order_by("serial"))
        data = render_pdf(certs, base_url="https://xuexi.example.cn")
    else:
        # The floor: the same words each certificate prints, as plain paragraphs in the same
        # font, one page each, in one weasyprint document; no border, QR code or positioning.
        import re

        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from core.pdf import FONT_FAMILY, font_face_css
        from learning.certificates.render import cn_date, fill_wording, placeholder_values

        pages = []
        for cert in Certificate.objects.select_related("template", "member__branch").order_by("serial"):
            words = re.sub(r"</?p>", " ", fill_wording(cert.template.wording, placeholder_values(cert)))
            pages.append(
                f"<section><p>{cert.template.title}</p><p>{words}</p><p>证书编号：{cert.serial}</p>"
                f"<p>{cert.issuer_name}</p><p>{cn_date(cert.issued_at)}</p></section>"
            )
        html = (
            f"<html><head><style>{font_face_css()} body{{font-family:{FONT_FAMILY}}} "
            "section{page-break-after:always} @page{size:A4 landscape}</style></head>"
            f"<body>{''.join(pages)}</body></html>"
        )
        data = weasyprint.HTML(string=html).write_pdf(font_config=FontConfiguration())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    out.write_bytes(data)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "bytes": len(data),
        "peak_rss_mb": rss_after / 1024,
        "rss_before_mb": rss_before / 1024,
    }


def _ok(passed: bool) -> str:
    return "达标" if passed else "未达标"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--child", choices=["certificates", "floor"])
    parser.add_argument("--db")
    parser.add_argument("--out")
    args = parser.parse_args()

    if args.child:
        setup_django(Path(args.db))
        print(json.dumps(child(args.child, Path(args.out))))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-certs-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        setup_django(db)
        t = time.perf_counter()
        build_data(args.count)
        print(f"准备数据：{args.count} 张证书，{time.perf_counter() - t:.1f} 秒")
        from core.pdf import FONT_PATH, subsetting_path

        print(
            f"字体：{FONT_PATH.name}（{FONT_PATH.stat().st_size / 1024 / 1024:.2f} MB）；字体子集化：{subsetting_path()}"
        )
        results = {}
        for kind in ("floor", "certificates"):
            out = Path(tmp) / f"{kind}.pdf"
            proc = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--db", str(db), "--out", str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
            fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout.splitlines()[2:]
            results[kind]["fonts"] = [line.split()[0] for line in fonts if line.strip()]
    floor, certs = results["floor"], results["certificates"]
    n = args.count
    per_cert_kb = certs["bytes"] / n / 1024
    ratio = certs["seconds"] / floor["seconds"]
    cpu_ratio = certs["cpu_seconds"] / floor["cpu_seconds"]
    load = os.getloadavg()[0]
    print()
    print(f"本机 {os.cpu_count()} 个 CPU，1 分钟负载 {load:.1f}（负载高时墙钟时间偏长，CPU 时间更可比）")
    print(f"{'':<24}{'墙钟时间':>10}{'CPU 时间':>10}{'峰值内存':>10}{'文件大小':>10}")
    for label, r in ((f"下限：纯文本 {n:,} 页", floor), (f"证书 {n:,} 张（合并 PDF）", certs)):
        print(
            f"{label:<22}{r['seconds']:>10.1f}s{r['cpu_seconds']:>9.1f}s"
            f"{r['peak_rss_mb']:>9.0f}MB{r['bytes'] / 1024 / 1024:>9.2f}MB"
        )
    print()
    print(
        f"证书用时 {certs['seconds']:.1f} s（CPU {certs['cpu_seconds']:.1f} s）   目标 < 60 s     {_ok(certs['seconds'] < 60)}"
    )
    print(f"相对下限 {ratio:.2f}×（CPU {cpu_ratio:.2f}×）         目标 ≤ 2×       {_ok(ratio <= 2)}")
    print(f"每张证书 {per_cert_kb:.1f} KB                  目标 < 50 KB    {_ok(per_cert_kb < 50)}")
    print(f"峰值内存 {certs['peak_rss_mb']:.0f} MB（渲染前 {certs['rss_before_mb']:.0f} MB）")
    print(f"嵌入字体：{', '.join(certs['fonts'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
