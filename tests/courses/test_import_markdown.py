"""Markdown goes through the ``markdown`` package and the HTML reader; what reaches a page is allow-listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.importers.documents import parse_file


def parse(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


def body_html(document) -> str:
    return "".join(block["value"] for block in document.body if block["type"] == "paragraph")


def test_markdown_structure_survives_lists_tables_quotes_and_emphasis(tmp_path):
    document = parse(
        tmp_path,
        "办法.md",
        "# 管理办法\n\n## 第一章 总则\n\n第一条 **重点**与*要求*，见[文件](https://www.gov.cn/zhengce/)。\n\n"
        "（一）年龄条件：\n\n34. 申请小型汽车的；\n\n35. 申请大型客车的。\n\n"
        "- 学习强国\n- 支部书记讲党课\n\n"
        "| 条文 | 罪名 |\n|-----|-----|\n| 第一条 | 甲罪 |\n\n"
        "> 引用的一段话\n\n### 第一节 附则\n\n#### 说明\n\n本办法自发布之日起施行。\n",
    )
    assert document.title == "管理办法"
    assert [(b["value"]["text"], b["value"]["level"]) for b in document.body if b["type"] == "heading"] == [
        ("第一章 总则", "h2"),
        ("第一节 附则", "h3"),
        ("说明", "h4"),
    ]
    html = body_html(document)
    assert (
        '<p>第一条 <strong>重点</strong>与<em>要求</em>，见<a href="https://www.gov.cn/zhengce/">文件</a>。</p>' in html
    )
    # An ordered list keeps the numbers the document uses; rich text could not keep where it starts.
    assert "<p>34. 申请小型汽车的；</p><p>35. 申请大型客车的。</p>" in html
    assert "<ul><li>学习强国</li><li>支部书记讲党课</li></ul>" in html
    assert "<p>条文 罪名</p><p>第一条 甲罪</p>" in html
    assert {"type": "quote", "value": {"text": "引用的一段话", "attribution": ""}} in document.body


def test_hard_wrapped_chinese_lines_join_without_a_space_and_english_ones_with_one(tmp_path):
    document = parse(tmp_path, "a.md", "# 标题\n正文第一行，\n接着第二行。\nThe party\nbranch 学习。\n")
    assert body_html(document) == "<p>正文第一行，接着第二行。 The party branch 学习。</p>"


def test_nothing_executable_from_a_markdown_file_reaches_the_page(tmp_path):
    document = parse(
        tmp_path,
        "b.md",
        "# 标题\n\n<script>alert('x')</script>\n\n"
        '<p onclick="steal()">点<b style="color:red">我</b><img src=x onerror="steal()"></p>\n\n'
        "[恶意](javascript:alert(1)) [相对](../other.md) <iframe src='https://evil.example'></iframe>正文\n\n"
        "<style>body{display:none}</style>\n",
    )
    html = body_html(document)
    assert "script" not in html and "alert" not in html and "onclick" not in html and "onerror" not in html
    assert "style" not in html and "iframe" not in html and "<img" not in html and "javascript" not in html
    assert "<p>点<strong>我</strong></p>" in html
    assert "<p>恶意 相对 正文</p>" in html


def test_an_html_file_keeps_its_emphasis_and_loses_its_scripts(tmp_path):
    path = tmp_path / "简报.html"
    path.write_bytes(
        "<html><body><h1>支部简报</h1><p>开展<b>主题党日</b>活动，"
        "<a href='http://www.12371.cn/' onmouseover='x()'>共产党员网</a>"
        "<a href='javascript:void(0)'>点击</a><span style='x'>。</span></p>"
        "<table><tr><td>时间</td><td>地点</td></tr></table></body></html>".encode()
    )
    document = parse_file(path)
    assert body_html(document) == (
        '<p>开展<strong>主题党日</strong>活动，<a href="http://www.12371.cn/">共产党员网</a>点击。</p><p>时间 地点</p>'
    )


@pytest.mark.parametrize("text", ["---\ntitle: x\n---\n# 甲\n\n正文", "# 甲\n\n正文"])
def test_front_matter_is_skipped(tmp_path, text):
    document = parse(tmp_path, "c.md", text)
    assert document.title == "甲" and body_html(document) == "<p>正文</p>"


def test_a_second_title_line_before_the_metadata_names_the_part_of_a_code(tmp_path):
    # The parts of a code come one file each, every one under the code's name: 民法典/人格权编.md.
    document = parse(
        tmp_path,
        "人格权编.md",
        "# 某某法典\n\n# 人格权编\n\n2020年5月28日 通过\n\n<!-- INFO END -->\n\n## 第一章 一般规定\n\n第一条 正文。\n",
    )
    assert document.title == "某某法典·人格权编"
    assert [b["value"]["text"] for b in document.body if b["type"] == "heading"] == ["第一章 一般规定"]
    # A file with one title keeps it; a heading after the metadata is not part of the title.
    single = parse(tmp_path, "单篇.md", "# 某某条例\n\n2020年 通过\n\n# 附件\n\n<!-- INFO END -->\n\n正文。\n")
    assert single.title == "某某条例"
