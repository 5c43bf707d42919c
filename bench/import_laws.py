"""Import the whole laws archive (../shared/data/laws: 1,584 files, 28 MB), re-run it, then time the listings.

    .venv/bin/python bench/import_laws.py [PATH]

Target: the first import under 2 minutes, the unchanged re-run under 10 seconds, and
listing/tag pages of the imported archive ≤ 200 ms median.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _courses_setup import ROOT, make_archive, report_listing, setup_django

TARGET_FIRST_S = 120
TARGET_RERUN_S = 10
LISTING_TARGET_MS = 200


def main() -> None:
    laws = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "laws"
    if not laws.is_dir():
        sys.exit(f"{laws} 不存在")
    setup_django()
    from courses.importers.archive import ArchiveImporter
    from courses.models import TheoryMaterialPage

    index = make_archive()
    files = sum(1 for path in laws.rglob("*") if path.is_file())
    megabytes = sum(path.stat().st_size for path in laws.rglob("*") if path.is_file()) / 1e6
    print(f"导入 {laws}：{files} 个文件，{megabytes:.1f} MB")

    started = time.perf_counter()
    first = ArchiveImporter(index, publish=True, tags_from_folders=True).run([laws])
    first_s = time.perf_counter() - started
    print(
        f"首次导入：新建 {first.created}，失败 {len(first.failed)}，忽略 {first.ignored}；"
        f"{first_s:.1f} 秒（{first.created / first_s:.0f} 篇/秒）  目标 ≤ {TARGET_FIRST_S} 秒"
        f" {'达标' if first_s <= TARGET_FIRST_S else '未达标'}"
    )
    started = time.perf_counter()
    again = ArchiveImporter(index, publish=True, tags_from_folders=True).run([laws])
    again_s = time.perf_counter() - started
    print(
        f"重复导入：未变化 {again.unchanged}，新建 {again.created}，更新 {again.updated}；{again_s:.1f} 秒"
        f"  目标 ≤ {TARGET_RERUN_S} 秒 {'达标' if again_s <= TARGET_RERUN_S else '未达标'}"
    )
    print(f"资料总数 {TheoryMaterialPage.objects.count()}")
    index.refresh_from_db()
    report_listing(index, LISTING_TARGET_MS)


if __name__ == "__main__":
    main()
