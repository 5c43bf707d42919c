"""Materials brought in by import_archive are searchable without a rebuild."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_an_imported_archive_is_indexed_in_one_go(archive, client, tmp_path, django_capture_on_commit_callbacks):
    folder = tmp_path / "专题学习"
    folder.mkdir()
    (folder / "机关效能建设笔记.md").write_text(
        "# 机关效能建设学习笔记\n\n## 一、总体要求\n\n推进绩效管理，提高机关效能建设水平。\n", encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_archive", str(tmp_path), "--parent", str(archive.pk), "--publish", stdout=io.StringIO())

    data = client.get("/api/search", {"q": "效能建设"}).json()
    assert data["count"] == 1
    assert data["results"][0]["title"] == "机关效能建设学习笔记"
