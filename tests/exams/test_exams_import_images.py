"""Pictures in question stems: an import or an edit may show only images its user may use (#19 audit).

A stem's ``<embed embedtype="image" id="N"/>`` would show any stored Wagtail image by id (a
certificate's seal, another subtree's pictures). ``exams.scoping.refused_stem_images`` allows the
pictures the import brings itself, images Wagtail lets the user choose, and images already shown
by the stems of banks the user may see; anything else refuses the whole file.
"""

import io
import json

import pytest
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model

from exams.importers import export_questions, import_file
from exams.models import Question, QuestionBank, StagedImport
from exams.wagtail_hooks import QuestionViewSet
from learning.certificates.models import CertificateKind, CertificateTemplate
from tests.exams.docx_builder import Heading, build_docx, png

pytestmark = pytest.mark.django_db


def stored_image(title: str):
    return get_image_model().objects.create(
        title=title, file=ImageFile(io.BytesIO(png((180, 20, 20), (30, 30))), name="seal.png")
    )


@pytest.fixture
def seal(world):
    """A certificate template's 印章 (seal) image, stored as every image is: a Wagtail image in the root collection."""
    image = stored_image("市直机关工委印章")
    CertificateTemplate.objects.create(
        name="结业证书",
        kind=CertificateKind.COURSE,
        wording="{name}同志完成学习。",
        issuer_name="中共测试工委",
        seal_image=image,
    )
    return image


@pytest.fixture
def bank(world):
    return QuestionBank.objects.create(name="甲方题库", organization=world.committee_a)


def json_bank(*stems: str) -> bytes:
    questions = [
        {"type": "判断题", "stem": stem, "answer": "正确", "explanation": "", "points": 1, "difficulty": "中"}
        for stem in stems
    ]
    return json.dumps({"questions": questions}, ensure_ascii=False).encode()


def embed(ref) -> str:
    return f'<embed alt="题图" embedtype="image" format="fullwidth" id="{ref}"/>'


def test_an_import_referencing_a_seal_is_refused_whole(world, bank, seal):
    data = json_bank("<p>第一题</p>", "<p>第二题</p>", f"<p>下图是什么？</p>{embed(seal.pk)}")
    result = import_file(bank, data, "题库.json", user=world.organizer_a.user)
    assert not result.ok
    assert result.errors == [f"第 3 题：引用了无权使用的图片（id={seal.pk}）"]
    assert result.created == 0 and not Question.objects.exists()


def test_the_seal_cannot_be_slipped_in_through_any_format(world, bank, seal):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项A", "选项B", "答案"])
    sheet.append(["判断题", "<p>甲</p>", "", "", "正确"])
    sheet.append(["判断题", f"<p>乙</p>{embed(seal.pk)}", "", "", "正确"])
    out = io.BytesIO()
    book.save(out)
    result = import_file(bank, out.getvalue(), "题库.xlsx", user=world.organizer_a.user)
    assert result.errors == [f"第 3 行：引用了无权使用的图片（id={seal.pk}）"]
    gift = f"::q1:: <p>乙</p>{embed(seal.pk)} {{T}}\n".encode()
    result = import_file(bank, gift, "题库.gift", user=world.organizer_a.user)
    assert any(f"引用了无权使用的图片（id={seal.pk}）" in e for e in result.errors), result.errors
    assert not Question.objects.exists()


def test_skip_invalid_does_not_skip_a_forbidden_picture(world, bank, seal):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse"><name><text>一</text></name>
    <questiontext format="html"><text><![CDATA[<p>好题</p>]]></text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
  <question type="truefalse"><name><text>二</text></name>
    <questiontext format="html"><text><![CDATA[<p>印章</p>{embed(seal.pk)}]]></text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
</quiz>""".encode()
    result = import_file(bank, xml, "moodle.xml", skip_invalid=True, user=world.organizer_a.user)
    assert any(f"引用了无权使用的图片（id={seal.pk}）" in e for e in result.errors), result.errors
    assert not Question.objects.exists()


def test_ids_that_are_not_a_stored_image_are_refused(world, bank):
    data = json_bank(f"<p>甲</p>{embed('pending-image-0')}", f"<p>乙</p>{embed('0012')}", f"<p>丙</p>{embed(99999)}")
    result = import_file(bank, data, "题库.json", user=world.organizer_a.user)
    assert result.errors == [
        "第 1 题：引用了无法识别的图片（id=pending-image-0）",  # no picture of its own to stand for
        "第 2 题：引用了无法识别的图片（id=0012）",
        "第 3 题：引用了无权使用的图片（id=99999）",
    ]
    assert not Question.objects.exists()


def test_pictures_the_import_brings_itself_are_stored_and_used(world, bank, seal):
    picture = png((10, 120, 200), (64, 32))
    blocks = [Heading("一、单选题"), "1. 下图中的标志是（ ）[[img]]", "A.党徽 B.国徽", "答案：A"]
    result = import_file(bank, build_docx(blocks, picture), "图.docx", user=world.organizer_a.user)
    assert result.ok, result.errors
    image = get_image_model().objects.exclude(pk=seal.pk).get()
    assert bank.questions.get().stem.endswith(embed(image.pk).replace('"题图"', '"题图1"'))
    assert image.uploaded_by_user == world.organizer_a.user


def test_an_own_bank_exported_as_json_comes_back_with_its_pictures(world, bank):
    picture = png((10, 120, 200), (64, 32))
    blocks = [Heading("一、判断题"), "1. 图中是圆形。[[img]]", "答案：错"]
    assert import_file(bank, build_docx(blocks, picture), "a.docx", user=world.organizer_a.user).ok
    exported = export_questions(bank.questions.all(), "json")
    other = QuestionBank.objects.create(name="甲方题库二", organization=world.committee_a)
    result = import_file(other, exported, "back.json", user=world.organizer_a.user)
    assert result.ok, result.errors
    assert other.questions.get().stem == bank.questions.get().stem

    # Another subtree's organizer cannot see the bank, so cannot show its picture either.
    theirs = QuestionBank.objects.create(name="乙方题库", organization=world.committee_b)
    image = get_image_model().objects.get()
    refused = import_file(theirs, exported, "copy.json", user=world.organizer_b.user)
    assert refused.errors == [f"第 1 题：引用了无权使用的图片（id={image.pk}）"]
    assert not theirs.questions.exists()


def test_a_site_admin_may_use_any_image_wagtail_lets_them_choose(world, bank, seal):
    result = import_file(bank, json_bank(f"<p>印章样式</p>{embed(seal.pk)}"), "题库.json", user=world.admin)
    assert result.ok, result.errors


def test_without_a_user_only_the_files_own_pictures_are_allowed(world, bank, seal, tmp_path):
    path = tmp_path / "题库.json"
    path.write_bytes(json_bank(f"<p>印章</p>{embed(seal.pk)}"))
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_questions", str(path), bank=bank.name, stderr=io.StringIO())
    call_command("import_questions", str(path), bank=bank.name, user=world.admin.username, stdout=io.StringIO())
    assert bank.questions.count() == 1


def test_the_preview_names_the_forbidden_picture_and_confirming_imports_nothing(world, bank, seal):
    c = Client()
    c.force_login(world.organizer_a.user)
    data = json_bank("<p>第一题</p>", f"<p>印章</p>{embed(seal.pk)}")
    resp = c.post(reverse("exams:bank_import", args=[bank.pk]), {"file": SimpleUploadedFile("题库.json", data)})
    assert StagedImport.objects.exists()
    html = c.get(resp["Location"]).content.decode()
    assert f"引用了无权使用的图片（id={seal.pk}）" in html
    c.post(resp["Location"], {"action": "confirm"})
    assert not Question.objects.exists()


def _question_form(user, instance, stem: str):
    form_class = QuestionViewSet().get_edit_handler().get_form_class()
    data = {
        "bank": instance.bank_id,
        "qtype": instance.qtype,
        "stem": form_class.base_fields["stem"].widget.format_value(stem),  # as the rich-text editor posts it
        "options": json.dumps(instance.options),
        "answer": json.dumps(instance.answer),
        "explanation": "",
        "points": "1",
        "difficulty": str(instance.difficulty),
    }
    return form_class(data=data, instance=instance, for_user=user)


def test_the_admin_question_form_applies_the_same_rule(world, bank, seal):
    editor = world.organizer_a.user
    own = stored_image("甲方题图")
    question = Question.objects.create(bank=bank, qtype="truefalse", stem=f"<p>原题</p>{embed(own.pk)}", answer=True)

    form = _question_form(editor, question, f"<p>改题</p>{embed(seal.pk)}")
    assert not form.is_valid()
    assert form.errors["stem"] == [f"题干引用了无权使用的图片（id={seal.pk}）"]

    form = _question_form(editor, question, f"<p>改题，图不变</p>{embed(own.pk)}")
    assert form.is_valid(), form.errors  # the picture the question already showed stays
    assert _question_form(world.admin, question, f"<p>改题</p>{embed(seal.pk)}").is_valid()
