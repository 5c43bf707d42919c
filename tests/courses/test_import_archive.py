"""import_archive: .md/.txt/.html/.docx into theory materials; idempotent; bad files named."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from courses.importers.archive import ArchiveImporter
from courses.importers.documents import UnreadableFile, parse_file
from courses.models import TheoryIndexPage, TheoryMaterialPage

pytestmark = pytest.mark.django_db

MARKDOWN = """# 关于加强机关学习的意见（2024-05-06）

2024年5月6日 机关党委印发

<!-- INFO END -->

## 第一章 总体要求

坚持学用结合，**突出重点**。

第二段文字。

### 第一节 学习内容

理论学习与业务学习并重。

## 第二章 保障措施

<!-- FORCE BREAK -->

建立学时登记制度。
"""


def write_docx(path: Path, *, title: str, headings: list[str]) -> None:
    document = docx.Document()
    document.add_heading(title, level=0)
    for heading in headings:
        document.add_heading(heading, level=1)
        document.add_paragraph(f"{heading}的正文段落。")
    document.save(str(path))


@pytest.fixture
def archive(site) -> TheoryIndexPage:
    return site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "资料库"
    (root / "制度文件").mkdir(parents=True)
    (root / "学习笔记" / "支部").mkdir(parents=True)
    (root / "制度文件" / "意见.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "学习笔记" / "读书笔记.txt").write_text(
        "读书笔记\n\n第一章 学习的意义\n学习使人进步。\n第二章 学习的方法\n边学边思考。\n", encoding="gb18030"
    )
    (root / "学习笔记" / "支部" / "网页.html").write_text(
        "<html><head><title>网页标题</title></head><body><nav>导航</nav><h1>支部学习简报</h1>"
        "<p>2023年7月1日，支部开展主题党日。</p><h2>活动内容</h2><p>参观学习。</p>"
        "<ul><li>第一项</li><li>第二项</li></ul><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    write_docx(root / "学习笔记" / "讲稿.docx", title="专题党课讲稿", headings=["一、为什么学", "二、怎么学"])
    (root / "_index.md").write_text("---\nbookCollapseSection: true\n---", encoding="utf-8")
    (root / "图片.png").write_bytes(b"\x89PNG")
    return root


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_markdown_text_html_and_word_files_with_structure(archive, folder):
    out, _err = run(str(folder), "--tags-from-folders", "--publish")
    assert "新建 4，更新 0，未变化 0，失败 0，忽略 2" in out and "用时" in out and "已处理 4/4" in out
    pages = {page.title: page for page in TheoryMaterialPage.objects.child_of(archive)}
    assert set(pages) == {"关于加强机关学习的意见", "读书笔记", "支部学习简报", "专题党课讲稿"}

    opinion = pages["关于加强机关学习的意见"]
    assert opinion.original_date == datetime.date(2024, 5, 6)
    assert opinion.summary == "2024年5月6日 机关党委印发"
    assert [(h["text"], h["level"]) for h in opinion.headings()] == [
        ("第一章 总体要求", "h2"),
        ("第一节 学习内容", "h3"),
        ("第二章 保障措施", "h2"),
    ]
    assert "<p>坚持学用结合，<strong>突出重点</strong>。</p><p>第二段文字。</p>" in opinion.body.raw_data[1]["value"]
    assert "FORCE BREAK" not in str(opinion.body.raw_data)
    assert sorted(opinion.tags.names()) == ["制度文件"]
    assert opinion.live and opinion.live_revision_id == opinion.latest_revision_id is not None
    assert opinion.revisions.count() == 1

    notes = pages["读书笔记"]
    assert [h["text"] for h in notes.headings()] == ["第一章 学习的意义", "第二章 学习的方法"]
    assert sorted(notes.tags.names()) == ["学习笔记"]

    brief = pages["支部学习简报"]
    assert brief.original_date == datetime.date(2023, 7, 1)
    assert [h["text"] for h in brief.headings()] == ["活动内容"]
    assert "第一项" in str(brief.body.raw_data) and "alert" not in str(brief.body.raw_data)
    assert "导航" not in str(brief.body.raw_data)
    assert sorted(brief.tags.names()) == ["学习笔记", "支部"]

    lecture = pages["专题党课讲稿"]
    assert [h["text"] for h in lecture.headings()] == ["一、为什么学", "二、怎么学"]
    assert "一、为什么学的正文段落。" in str(lecture.body.raw_data)
    assert Page.find_problems() == ([], [], [], [], [])


def test_reimporting_skips_unchanged_files_and_updates_changed_ones_without_duplicates(archive, folder):
    run(str(folder), "--tags-from-folders")
    assert TheoryMaterialPage.objects.count() == 4
    assert not TheoryMaterialPage.objects.filter(live=True).exists()  # drafts without --publish
    out, _ = run(str(folder), "--tags-from-folders")
    assert "新建 0，更新 0，未变化 4，失败 0" in out
    (folder / "制度文件" / "意见.md").write_text(MARKDOWN.replace("建立学时登记制度。", "建立学时登记和通报制度。"))
    out, _ = run(str(folder), "--tags-from-folders")
    assert "新建 0，更新 1，未变化 3，失败 0" in out
    assert TheoryMaterialPage.objects.count() == 4
    page = TheoryMaterialPage.objects.get(title="关于加强机关学习的意见")
    assert "通报制度" in str(page.body.raw_data) and page.revisions.count() == 2


def test_a_bad_file_is_named_with_the_reason_and_the_others_still_import(archive, tmp_path):
    (tmp_path / "好.md").write_text("# 好资料\n\n正文。", encoding="utf-8")
    (tmp_path / "坏.docx").write_bytes(b"this is not a zip file")
    (tmp_path / "乱码.txt").write_bytes(b"\xff\xfe\xfa\x80\x81" * 10)
    (tmp_path / "空.md").write_text("# 只有标题\n", encoding="utf-8")
    out, err = run(str(tmp_path))
    assert "新建 1，更新 0，未变化 0，失败 3" in out
    assert "坏.docx：不是有效的 Word 文档" in err
    assert "乱码.txt：无法识别文件编码" in err
    assert "空.md：文件没有正文内容" in err
    assert list(TheoryMaterialPage.objects.values_list("title", flat=True)) == ["好资料"]


def test_a_missing_path_or_an_unknown_parent_is_reported(archive, tmp_path):
    out, err = run(str(tmp_path / "不存在"))
    assert "文件或文件夹不存在" in err and "失败 1" in out
    with pytest.raises(CommandError, match="找不到理论学习栏目"):
        run(str(tmp_path), "--parent", "nope")


def test_the_parent_can_be_chosen_by_id_slug_or_path(archive, site, tmp_path):
    other = site.add_child(instance=TheoryIndexPage(title="法规库", slug="laws"))
    (tmp_path / "a.md").write_text("# 甲\n\n正文", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 乙\n\n正文", encoding="utf-8")
    with pytest.raises(CommandError, match="有多个理论学习栏目"):
        run(str(tmp_path / "a.md"))
    run(str(tmp_path / "a.md"), "--parent", "/laws/")
    run(str(tmp_path / "b.md"), "--parent", str(archive.pk))
    assert TheoryMaterialPage.objects.get(title="甲").get_parent().pk == other.pk
    assert TheoryMaterialPage.objects.get(title="乙").get_parent().pk == archive.pk


def test_same_titles_get_distinct_slugs(archive, tmp_path):
    for name in ("一", "二"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "同名.md").write_text("# 同名文件\n\n正文", encoding="utf-8")
    result = ArchiveImporter(archive).run([tmp_path])
    assert result.created == 2
    assert sorted(TheoryMaterialPage.objects.values_list("slug", flat=True)) == ["同名文件", "同名文件-2"]


def test_a_file_named_like_a_slug_keeps_its_name_in_the_url(archive, tmp_path):
    (tmp_path / "five-disciplines.md").write_text("# 五项修炼\n\n正文", encoding="utf-8")
    (tmp_path / "Five Disciplines 2.md").write_text("# 五项修炼\n\n另一篇", encoding="utf-8")
    ArchiveImporter(archive).run([tmp_path])
    slugs = dict(TheoryMaterialPage.objects.values_list("source_path", "slug"))
    assert slugs[str(tmp_path / "five-disciplines.md")] == "five-disciplines"
    assert slugs[str(tmp_path / "Five Disciplines 2.md")] == "五项修炼"  # not a slug: the title gives it


def test_unsupported_files_named_explicitly_fail_with_a_reason(tmp_path):
    path = tmp_path / "表格.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(UnreadableFile, match="不支持的文件类型 .xlsx"):
        parse_file(path)


@pytest.mark.slow
def test_it_imports_a_sample_of_the_real_laws(archive, shared_data):
    laws = shared_data / "laws"
    sample = [laws / "宪法", laws / "刑法", laws / "部门规章" / "人力资源社会保障部"]
    result = ArchiveImporter(archive, publish=True, tags_from_folders=True).run(sample)
    assert result.failed == [] and result.created >= 15 and result.ignored == 2  # the two _index.md
    constitution = TheoryMaterialPage.objects.get(title="中华人民共和国宪法")
    assert constitution.original_date == datetime.date(1982, 12, 4)
    assert any(h["text"] == "序言" for h in constitution.headings())
    amendment = TheoryMaterialPage.objects.get(title="中华人民共和国刑法修正案（十二）")
    assert amendment.original_date == datetime.date(2023, 12, 29)
    assert amendment.reading_minutes >= 5
    again = ArchiveImporter(archive, publish=True, tags_from_folders=True).run(sample)
    assert again.unchanged == result.created and again.created == again.updated == 0
    # Folder tags come from the folders below the path given.
    nested = ArchiveImporter(archive, publish=True, tags_from_folders=True).run([laws / "案例"])
    assert nested.failed == [] and nested.created > 0
    assert TheoryMaterialPage.objects.filter(tags__name="劳动人事").exists()
