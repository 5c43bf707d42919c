"""Hostile HTML through every way text enters the site, checked where members read it.

Question banks in every import format (Word, Excel, JSON, Moodle XML, GIFT: exams.importers.FORMATS), theory materials through
the archive importer, and stems stored before the allow-list (the data migration): what is
stored keeps the allow-listed markup and loses the rest, and the pages that show it (answering,
result, mistakes, practice, grading, the material page) carry none of it.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from core.richtext import clean_rich_text, rich_text_html
from exams.importers import FORMATS, export_questions, import_file
from exams.models import Question, QuestionBank, question_fingerprint
from exams.services import start_attempt, submit_attempt
from tests.exams.factories import fixed_paper, make_exam
from tests.security.conftest import live_markup

pytestmark = pytest.mark.django_db

STEM = (
    '<p>下列说法<strong>正确</strong>的是<img src=x onerror="alert(13)">'
    '<a href="javascript:alert(13)" onclick="alert(13)">链接</a><a href="https://www.12371.cn/">网址</a></p>'
    "<script>alert(13)</script><style>body{display:none}</style><iframe src=//evil.example></iframe>"
)
OPTION = '<img src=x onerror="alert(13)">选项'


def dangerous(html: str) -> list[str]:
    """Live hostile markup: a handler in a tag, a javascript: link, or a script/iframe/style of the payload."""
    found = live_markup(html, allow_scripts=True)
    return found + (["<script>alert(13)"] if "<script>alert(13)" in html else [])


def test_the_allow_list_keeps_wagtails_rich_text_and_drops_the_rest():
    cleaned = clean_rich_text(STEM)
    assert not dangerous(cleaned)
    assert "<strong>正确</strong>" in cleaned and '<a href="https://www.12371.cn/">网址</a>' in cleaned
    assert "链接" in cleaned  # a refused link keeps its text
    assert clean_rich_text("1 < 2 且 3 > 2") == "1 < 2 且 3 > 2"  # plain text is stored as it is…
    assert rich_text_html("1 < 2") == "<p>1 &lt; 2</p>"  # …and shown escaped


def test_the_detector_finds_live_markup_and_not_escaped_text():
    for live in (
        '<img src=x onerror="alert(13)">',
        "<img src=x onerror=alert(13)>",
        "<p class='a' onclick='x'>",
        '<a href="javascript:alert(13)">',
        "<iframe src=//evil.example>",
        "<script>alert(13)</script>",
    ):
        assert live_markup(live), live
    for harmless in (
        "&lt;img src=x onerror=alert(13)&gt;",
        '<input type="text" name="topic" value="会&lt;img src=x onerror=&quot;alert(13)&quot;&gt;">',
        '<svg class="trend-chart" viewBox="0 0 10 10"><title>趋势</title></svg>',
        '<script src="/static/js/site.js"></script>',
    ):
        assert not live_markup(harmless), harmless


def hostile_bank() -> list[Question]:
    """A question stored behind the allow-list's back (bulk_create skips save), as an old database has."""
    bank = QuestionBank.objects.create(name="来源题库")
    options = [OPTION, "乙", "丙"]
    question = Question(
        bank=bank,
        qtype="single",
        stem=STEM,
        options=options,
        answer="A",
        explanation=OPTION,
        fingerprint=question_fingerprint("single", STEM, options),
    )
    Question.objects.bulk_create([question])
    return list(bank.questions.all())


@pytest.mark.parametrize("fmt", sorted(FORMATS))  # the registry: a new format is in the test the day it is added
def test_every_import_format_stores_only_allow_listed_markup(fmt, world):
    data = export_questions(hostile_bank(), fmt)
    target = QuestionBank.objects.create(name=f"导入{fmt}", organization=world.committee_a)
    result = import_file(target, data, f"bank{FORMATS[fmt].extension}")
    assert result.ok, result.errors
    stored = target.questions.get()
    assert not dangerous(str(rich_text_html(stored.stem)))
    if stored.stem.lstrip().startswith("<"):  # stored as HTML: only allow-listed markup is left
        assert not dangerous(stored.stem) and "<strong>正确</strong>" in stored.stem
    assert "下列说法" in stored.stem


def test_the_pages_that_show_questions_carry_no_hostile_markup(world, site):
    [dirty] = hostile_bank()
    importlib.import_module("exams.migrations.0002_clean_question_stems").clean_stems(apps, None)
    dirty.refresh_from_db()
    assert not dangerous(dirty.stem) and "<strong>正确</strong>" in dirty.stem

    exam = make_exam(site, fixed_paper([dirty]), review_level=4, review_when="immediately")
    member = Client()
    member.force_login(world.member_a1.user)
    attempt = start_attempt(exam, world.member_a1)
    pages = [member.get(reverse("exams:take", args=[attempt.pk]))]
    submit_attempt(attempt)
    pages.append(member.get(reverse("exams:result", args=[attempt.pk])))
    pages.append(member.get(reverse("exams:mistakes")))
    pages.append(member.get(reverse("exams:practice")))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "下列说法" in html or response.request["PATH_INFO"] == reverse("exams:practice")
        assert not dangerous(html), (response.request["PATH_INFO"], dangerous(html))


def test_the_grading_page_shows_an_essay_stem_safely(world, site):
    bank = QuestionBank.objects.create(name="简答题库", organization=world.committee_a)
    Question.objects.bulk_create(
        [
            Question(
                bank=bank,
                qtype="essay",
                stem=STEM,
                answer="要点",
                points=Decimal("5"),
                fingerprint=question_fingerprint("essay", STEM, []),
            )
        ]
    )
    importlib.import_module("exams.migrations.0002_clean_question_stems").clean_stems(apps, None)
    exam = make_exam(site, fixed_paper(list(bank.questions.all())))
    submit_attempt(start_attempt(exam, world.member_a1))
    organizer = Client()
    organizer.force_login(world.organizer_a.user)
    html = organizer.get(reverse("exams:grading")).content.decode()
    assert "下列说法" in html and not dangerous(html)


def test_a_material_imported_from_html_shows_no_hostile_markup(site, tmp_path):
    from courses.importers.archive import ArchiveImporter
    from courses.models import TheoryIndexPage

    archive = site.add_child(instance=TheoryIndexPage(title="理论学习", slug="theory"))
    page = tmp_path / "简报.html"
    page.write_text(
        f"<html><body><h1>支部学习简报</h1><p onclick='alert(13)'>正文{OPTION}</p>{STEM}</body></html>",
        encoding="utf-8",
    )
    result = ArchiveImporter(archive, publish=True).run([page])
    assert not result.failed and result.created == 1
    from courses.models import TheoryMaterialPage

    material = TheoryMaterialPage.objects.child_of(archive).get()
    html = Client().get(material.url).content.decode()
    assert "支部学习简报" in html and not dangerous(html)
