"""Benchmark: certificates as one merged PDF, next to the floor (plain pages of the same words, same font).

    .venv/bin/python -m bench.harness --only certificates [--size smoke|default|full]

Sizes: smoke 10 certificates, default 200, full 1,000 (the size of the targets). Builds the
members and certificates, then renders in child processes (so each peak-memory figure is that
run's own): the certificates (render_pdf), and the floor: the same words each certificate
prints, as plain paragraphs in the same font, one page each, in one weasyprint document.
Targets: ≤ 1.5× the floor; < 50 KB a certificate; < 60 ms a certificate (1,000 in < 60 s).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, Row, bench_env, fresh_database_url

SIZES = {"smoke": 10, "default": 200, "full": 1000}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国晓明丽华志强海燕文杰秀英国庆红梅立新雅琴子涵思远明辉欣怡俊峰慧敏振华晓燕宏伟佳琪永刚春燕浩然静怡伟东玉兰"
COURSES = ["新时代党建工作实务", "依法行政专题培训", "机关公文写作规范", "保密知识与实务", "党史专题学习"]


def setup_django(database_url: str) -> None:
    os.environ.update(bench_env(database_url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_data(count: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from learning.certificates.issuing import new_code
    from learning.certificates.models import Certificate, CertificateKind, CertificateTemplate
    from learning.members.choices import OrgKind
    from learning.members.models import Member, Organization

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

        from core.pdf import FONT_FAMILY, fewer_collections, font_face_css
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
        with fewer_collections():  # as render_pdf lays out: the ratio is the template's, not the collector's
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


def run(size: str) -> list[Row]:
    n = SIZES[size]
    url = fresh_database_url("certificates")
    env = dict(os.environ, **bench_env(url))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.certificates", "--build", str(n), "--db", url], env=env, cwd=ROOT, check=True
    )
    print(f"  {n} certificates built in {time.perf_counter() - started:.1f} s", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-certs-") as tmp:
        for kind in ("floor", "certificates"):
            out = Path(tmp) / f"{kind}.pdf"
            proc = subprocess.run(
                [sys.executable, "-m", "bench.certificates", "--child", kind, "--db", url, "--out", str(out)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
    floor, certs = results["floor"], results["certificates"]
    print(
        f"  floor {floor['seconds']:.1f} s (CPU {floor['cpu_seconds']:.1f} s, {floor['peak_rss_mb']:.0f} MB); "
        f"certificates {certs['seconds']:.1f} s (CPU {certs['cpu_seconds']:.1f} s, {certs['peak_rss_mb']:.0f} MB)"
    )
    label = f"证书 {n:,} 张合并 PDF"
    floor_label = "plain pages, same words and font"
    return [
        Row.ratio_at_most(label, "CPU s", certs["cpu_seconds"], floor["cpu_seconds"], 1.5, "s", floor_label),
        Row.ratio_at_most(label, "wall s", certs["seconds"], floor["seconds"], 1.5, "s", floor_label),
        Row.absolute(label, "ms a certificate", certs["seconds"] * 1000 / n, 60, "ms"),
        Row.absolute(label, "KB a certificate", certs["bytes"] / n / 1024, 50, "KB"),
    ]


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=int)
    parser.add_argument("--child", choices=["certificates", "floor"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out")
    args = parser.parse_args()
    setup_django(args.db)
    if args.build:
        build_data(args.build)
    else:
        print(json.dumps(child(args.child, Path(args.out))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
