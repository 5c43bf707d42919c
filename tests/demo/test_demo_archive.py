"""The demo theory archive is files (demo/archive/) imported by the project's own import_archive."""

import datetime
import io
import tomllib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.importers.documents import parse_file
from courses.models import Series, TheoryMaterialPage
from demo.materials import ARCHIVE_DIR, META_FILE

FILES = sorted(ARCHIVE_DIR.rglob("*.md"))
META = tomllib.loads(META_FILE.read_text(encoding="utf-8"))


def from_files():
    """The materials imported from the demo's files (not the 优秀 心得 the seminars demo publishes)."""
    return TheoryMaterialPage.objects.exclude(source_path="")


def test_every_demo_file_is_a_live_material_with_its_date_folder_tags_series_and_source(demo_db):
    assert len(FILES) == 14
    materials = {page.source_path: page for page in from_files().live().prefetch_related("tags")}
    assert len(materials) == len(FILES)
    for path in FILES:
        page = materials[str(path)]
        document = parse_file(path)
        assert page.title == document.title and "（" not in page.title  # the date is not part of the title
        assert page.original_date == document.original_date and page.original_date.year in (2023, 2024)
        assert page.summary == document.summary and page.summary
        relative = path.relative_to(ARCHIVE_DIR)
        assert {tag.name for tag in page.tags.all()} == set(relative.parts[:-1])
        meta = META["materials"][relative.as_posix()]
        assert (page.series.name if page.series else None) == meta.get("series")
        assert page.source == meta["source"]
        assert page.headings(), path
    # Every series of the meta file exists (the seminars demo adds its topic's series for the 优秀 心得).
    assert {s["name"] for s in META["series"]} <= set(Series.objects.values_list("name", flat=True))
    page = TheoryMaterialPage.objects.get(title="机关绩效目标的设定方法")
    assert page.original_date == datetime.date(2024, 2, 26)
    assert [h["text"] for h in page.headings()] == ["目标从哪里来", "好目标的五个特征", "常见误区"]
    assert page.series.name == "绩效管理实务" and page.source == "组织人事处"
    # The editing form reads the latest revision: it has the series too.
    assert page.latest_revision.as_object().series_id == page.series_id


def test_import_archive_sees_the_demo_archive_as_already_imported(demo_db):
    out = io.StringIO()
    call_command("import_archive", str(ARCHIVE_DIR), "--tags-from-folders", "--publish", stdout=out)
    assert "新建 0，更新 0，未变化 14，失败 0" in out.getvalue()
    assert from_files().count() == 14


def test_the_archive_lists_the_demo_materials_by_tag_and_series(client, demo_db):
    html = client.get("/theory/").content.decode()
    # The 14 files, and the 优秀 心得 the seminars demo published into the archive.
    assert "共 15 篇" in html and "学习型组织的五项修炼与机关实践" in html
    # The demo's files are named like slugs, so its materials keep the addresses they always had.
    assert 'href="/theory/learning-org-five-disciplines/"' in html
    assert client.get("/theory/learning-org-five-disciplines/").status_code == 200
    html = client.get("/theory/", {"tag": "绩效管理"}).content.decode()
    assert "共 3 篇" in html and "机关绩效目标的设定方法" in html and "团队学习：从“开会”到“研讨”的转变" not in html
    series = Series.objects.get(name="数字政府")
    html = client.get("/theory/", {"series": series.pk}).content.decode()
    assert "共 3 篇" in html and "政务数据安全的日常防护" in html


@pytest.mark.parametrize(
    ("query", "title"),
    [("五项修炼", "学习型组织的五项修炼与机关实践"), ("三会一课", "提高“三会一课”质量的几点体会")],
)
def test_search_finds_the_demo_materials(client, demo_db, query, title):
    data = client.get("/api/search", {"q": query}).json()
    assert title in [hit["title"] for hit in data["results"]]


def test_after_the_project_folder_moves_loading_again_keeps_one_copy_of_each_material(demo_db):
    from demo import materials

    old = "/srv/old-checkout/demo/archive/"
    for page in from_files():
        TheoryMaterialPage.objects.filter(pk=page.pk).update(
            source_path=old + Path(page.source_path).relative_to(ARCHIVE_DIR).as_posix()
        )
    materials.load()
    assert from_files().count() == 14
    assert set(from_files().values_list("source_path", flat=True)) == {str(path) for path in FILES}


def test_a_meta_file_naming_a_missing_material_or_series_is_a_clear_error(tmp_path):
    from demo.materials import read_meta

    meta = tmp_path / "_meta.toml"
    (tmp_path / "a.md").write_text("# 甲\n\n正文\n", encoding="utf-8")
    meta.write_text('[materials."b.md"]\nsource = "办公室"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="列出的资料文件不存在：b.md"):
        read_meta(meta)
    meta.write_text('[materials."a.md"]\nseries = "没有的专题"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="专题“没有的专题”未定义"):
        read_meta(meta)
    meta.write_text("[materials\n", encoding="utf-8")
    with pytest.raises(CommandError, match="无法读取演示资料说明"):
        read_meta(meta)
