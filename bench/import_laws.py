"""Benchmark: import the laws archive (../shared/data/laws: 1,584 files, 28 MB), then re-run it.

    .venv/bin/python -m bench.harness --only import_laws [--size smoke|default|full]

Sizes: smoke the first 5 files, default 50, full all of them (the size of the targets:
the first import under 2 minutes, the unchanged re-run under 10 seconds, i.e. ≥ 13.2 and
≥ 158 files/s). Skipped (no rows judged) when the data folder is absent.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.harness import Row, setup_django, shared_data

LAWS = (shared_data() or Path("/nonexistent")) / "laws"
SIZES = {"smoke": 5, "default": 50, "full": None}
ALL_FILES = 1584
TARGET_FIRST_S = 120
TARGET_RERUN_S = 10


def subset(n: int | None) -> Path:
    """A folder with the first n files of the archive (symlinks in the same sub-folders)."""
    if n is None:
        return LAWS
    folder = Path(tempfile.mkdtemp(prefix="bench-laws-"))
    files = [p for p in sorted(LAWS.rglob("*")) if p.is_file() and not p.name.startswith((".", "_"))][:n]
    for path in files:
        target = folder / path.relative_to(LAWS)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    return folder


def run(size: str) -> list[Row]:
    if not LAWS.is_dir():
        print(f"  {LAWS} is absent: nothing to import")
        return [Row("导入法规库", "skipped: ../shared/data/laws absent", float("nan"))]
    folder = subset(SIZES[size])
    setup_django("import_laws")
    from bench.archive_listing import make_archive
    from courses.importers.archive import ArchiveImporter

    index = make_archive()
    started = time.perf_counter()
    first = ArchiveImporter(index, publish=True, tags_from_folders=True).run([folder])
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = ArchiveImporter(index, publish=True, tags_from_folders=True).run([folder])
    again_s = time.perf_counter() - started
    n = first.created
    print(
        f"  first: {n} created, {len(first.failed)} failed in {first_s:.1f} s; re-run: {again.unchanged} unchanged in {again_s:.1f} s"
    )
    if first.failed or again.created or again.updated:
        raise SystemExit(
            f"import not clean: failed {first.failed[:3]}, re-run created {again.created} updated {again.updated}"
        )
    return [
        Row.absolute(
            f"导入法规库 {n:,} 个文件",
            "first import, files/s",
            n / first_s,
            ALL_FILES / TARGET_FIRST_S,
            "/s",
            higher_is_better=True,
        ),
        Row.absolute(
            f"导入法规库 {n:,} 个文件",
            "unchanged re-run, files/s",
            n / again_s,
            ALL_FILES / TARGET_RERUN_S,
            "/s",
            higher_is_better=True,
        ),
    ]
