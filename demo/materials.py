"""The demo theory archive: Markdown files in demo/archive/, imported by the project's own importer.

The files are written in the format ``manage.py import_archive`` reads (README, "Bulk import"):
the folders a file sits in are its tags, its first heading is the title with the date in
brackets, the lines before ``<!-- INFO END -->`` are the summary. They are loaded by the same
``ArchiveImporter`` the command runs, as with ``--tags-from-folders --publish``, so the demo
shows what an organization's own archive becomes. ``_meta.toml`` adds what that format does not
carry: the 专题 (series) and 来源 (source) of each material.

Idempotent: the importer skips files it has imported unchanged, and a series or source is only
written when it differs from the page's.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from courses.demo import load_home, load_theory_index
from courses.importers.archive import ArchiveImporter, ImportResult
from courses.models import Series, TheoryIndexPage, TheoryMaterialPage

ARCHIVE_DIR = Path(__file__).resolve().parent / "archive"
META_FILE = ARCHIVE_DIR / "_meta.toml"


def read_meta(path: Path = META_FILE) -> dict[str, Any]:
    """``{"series": [{"name", "description"}], "materials": {relative path: {"series", "source"}}}``."""
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CommandError(f"无法读取演示资料说明 {path.name}：{exc}") from exc
    names = {entry["name"] for entry in meta.get("series", [])}
    for relative, fields in meta.get("materials", {}).items():
        if not (path.parent / relative).is_file():
            raise CommandError(f"{path.name} 列出的资料文件不存在：{relative}")
        if fields.get("series") and fields["series"] not in names:
            raise CommandError(f"{path.name} 中资料 {relative} 的专题“{fields['series']}”未定义")
    return meta


def import_files(index: TheoryIndexPage) -> ImportResult:
    """Run the archive importer over demo/archive/ (what ``import_archive --tags-from-folders --publish`` does)."""
    _follow_moved_checkout(index)
    result = ArchiveImporter(index, publish=True, tags_from_folders=True).run([ARCHIVE_DIR])
    if result.failed:
        reasons = "；".join(f"{Path(path).name}：{reason}" for path, reason in result.failed)
        raise CommandError(f"演示理论学习资料导入失败：{reasons}")
    return result


def _follow_moved_checkout(index: TheoryIndexPage) -> None:
    """The importer knows a file by its absolute path. When the project folder has moved (the
    SQLite database in var/ moves with it), point the demo pages at their files' new place, so
    the import recognises them instead of adding a second copy of every material."""
    marker = f"{os.sep}demo{os.sep}archive{os.sep}"
    moved = (
        TheoryMaterialPage.objects.child_of(index)
        .filter(source_path__contains=marker)
        .exclude(source_path__startswith=str(ARCHIVE_DIR) + os.sep)
        .values_list("pk", "source_path")
    )
    for pk, old_path in moved:
        new_path = ARCHIVE_DIR / old_path.rsplit(marker, 1)[1]
        if new_path.is_file() and not TheoryMaterialPage.objects.filter(source_path=str(new_path)).exists():
            TheoryMaterialPage.objects.filter(pk=pk).update(source_path=str(new_path))


def apply_meta(index: TheoryIndexPage, meta: dict[str, Any]) -> int:
    """Give the imported materials their series and source; returns how many pages changed."""
    series: dict[str, Series] = {}
    for entry in meta.get("series", []):
        item, _ = Series.objects.get_or_create(name=entry["name"], defaults={"description": entry["description"]})
        if item.description != entry["description"]:
            item.description = entry["description"]
            item.save(update_fields=["description"])
        series[item.name] = item
    materials = meta.get("materials", {})
    paths = {str(ARCHIVE_DIR / relative): fields for relative, fields in materials.items()}
    changed = 0
    for page in TheoryMaterialPage.objects.child_of(index).filter(source_path__in=list(paths)):
        fields = paths[page.source_path]
        wanted = series[fields["series"]] if fields.get("series") else None
        source = fields.get("source", "")
        if page.series_id == (wanted.pk if wanted else None) and page.source == source:
            continue
        page.series, page.source = wanted, source
        # Through a revision, as an editor's change would be: the page's history and the
        # editing form (which reads the latest revision) must show the series too.
        revision = page.save_revision()
        if page.live:
            revision.publish()
        changed += 1
    return changed


@transaction.atomic
def load(stdout=None) -> TheoryIndexPage:
    meta = read_meta()
    index = load_theory_index(load_home())
    result = import_files(index)
    apply_meta(index, meta)
    if stdout is not None and (result.created or result.updated):
        stdout.write(f"理论学习资料：新建 {result.created} 篇，更新 {result.updated} 篇（demo/archive/）")
    return index
