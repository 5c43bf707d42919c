"""The import preview: upload → how each question was read → confirm, for the right organizer only."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model

from exams.models import QuestionBank, StagedImport
from tests.exams.docx_builder import Heading, build_docx, png
from tests.exams.test_exams_import_moodle import EXPORT

pytestmark = pytest.mark.django_db

GOOD = [
    "党章测试题",
    Heading("一、单选题"),
    "1. 党的最高理想是（ ）。[[img]]",
    "A.共产主义 B.社会主义",
    "答案：A",
    "解析：见党章总纲。",
    Heading("二、判断题"),
    "1. 党支部是党的基础组织。（√）",
]


def client_for(member) -> Client:
    c = Client()
    c.force_login(member.user)
    return c


@pytest.fixture
def bank(world):
    return QuestionBank.objects.create(name="甲方Word题库", organization=world.committee_a)


def upload(c: Client, bank, data: bytes, name: str = "题库.docx"):
    return c.post(reverse("exams:bank_import", args=[bank.pk]), {"file": SimpleUploadedFile(name, data)})


def test_an_organizer_sees_each_question_as_read_then_confirms(world, bank):
    c = client_for(world.organizer_a)
    picture = png((9, 9, 9), (20, 10))
    resp = upload(c, bank, build_docx(GOOD, picture))
    staged = StagedImport.objects.get()
    assert resp["Location"] == reverse("exams:import_preview", args=[bank.pk, staged.token])
    assert bank.questions.count() == 0  # nothing is saved before the organizer confirms

    html = c.get(resp["Location"]).content.decode()
    assert "共 <strong>2</strong> 道" in html and "可以导入 <strong>2</strong> 道" in html
    assert "“一、单选题”第 1 题（第 3 行「1. 党的最高理想是（ ）。」）" in html
    assert "<li>共产主义</li>" in html and "见党章总纲。" in html and "单选题" in html
    assert "第 1 行：党章测试题" in html  # text that is not a question is listed
    image_url = reverse("exams:import_media", args=[bank.pk, staged.token, "word/media/image1.png"])
    assert f'src="{image_url}"' in html
    image = c.get(image_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content == picture

    done = c.post(resp["Location"], {"action": "confirm"})
    assert done["Location"] == reverse("exams:manage")
    assert bank.questions.count() == 2
    assert get_image_model().objects.get().uploaded_by_user == world.organizer_a.user
    assert not StagedImport.objects.exists()
    assert c.get(resp["Location"]).status_code == 404  # confirmed once; the token is spent


def test_a_document_with_problems_shows_them_and_offers_no_confirmation(world, bank):
    c = client_for(world.organizer_a)
    resp = upload(c, bank, build_docx([Heading("一、单选题"), "1. 缺答案（ ）", "A.甲 B.乙"]))
    html = c.get(resp["Location"]).content.decode()
    assert "缺少答案" in html and "确认导入" not in html and "请按下面的提示改正文件后重新上传" in html
    refused = c.post(resp["Location"], {"action": "confirm", "skip_invalid": "1"})
    assert refused.status_code == 200 and ".docx 文件不能跳过有问题的试题" in refused.content.decode()
    assert bank.questions.count() == 0


def test_the_preview_shows_stems_as_the_reader_will_see_them(world, bank):
    """Markup-like text typed in Word and entities of a Moodle stem appear as text, escaped once."""
    c = client_for(world.organizer_a)
    word = upload(c, bank, build_docx([Heading("一、单选题"), "1. <a>与<b>的关系是（ ）", "A.并列 B.包含", "答案：B"]))
    html = c.get(word["Location"]).content.decode()
    assert '<div class="q-stem">&lt;a&gt;与&lt;b&gt;的关系是（ ）</div>' in html and "&amp;lt;" not in html
    xml = '<quiz><question type="truefalse"><questiontext format="html"><text><![CDATA[<p>1&nbsp;&lt;&nbsp;2</p>]]></text></questiontext><answer fraction="100"><text>true</text></answer></question></quiz>'
    moodle = upload(c, bank, xml.encode(), "moodle.xml")
    assert '<div class="q-stem">1 &lt; 2</div>' in c.get(moodle["Location"]).content.decode()


def test_an_unreadable_file_is_refused_at_upload(world, bank):
    c = client_for(world.organizer_a)
    html = upload(c, bank, b"not a zip").content.decode()
    assert "无法读取 Word 文件" in html and not StagedImport.objects.exists()


def test_moodle_questions_that_cannot_map_may_be_skipped_from_the_preview(world, bank):
    c = client_for(world.organizer_a)
    resp = upload(c, bank, EXPORT.encode(), "moodle.xml")
    html = c.get(resp["Location"]).content.decode()
    assert "有问题 <strong>3</strong> 道" in html and 'name="skip_invalid"' in html
    assert "不支持的 Moodle 题型“ddwtos”" in html
    flag = reverse("exams:import_media", args=[bank.pk, StagedImport.objects.get().token, "flag.png"])
    assert c.get(flag).status_code == 200
    refused = c.post(resp["Location"], {"action": "confirm"})
    assert refused.status_code == 200 and bank.questions.count() == 0
    done = c.post(resp["Location"], {"action": "confirm", "skip_invalid": "1"}, follow=True)
    text = done.content.decode()
    assert "已向题库“甲方Word题库”导入 10 道试题，跳过 3 道" in text
    assert "第 12 题：不支持的 Moodle 题型“ddwtos”，已跳过" in text
    assert bank.questions.count() == 10


def test_duplicates_are_flagged_and_may_be_skipped(world, bank):
    c = client_for(world.organizer_a)
    first = upload(c, bank, build_docx(GOOD))
    c.post(first["Location"], {"action": "confirm"})
    again = upload(c, bank, build_docx(GOOD))
    html = c.get(again["Location"]).content.decode()
    assert "重复 <strong>2</strong> 道" in html and "与题库“甲方Word题库”中已有试题重复" in html
    assert c.post(again["Location"], {"action": "confirm"}).status_code == 200
    assert c.post(again["Location"], {"action": "confirm", "skip_duplicates": "1"}).status_code == 302
    assert bank.questions.count() == 2


def test_cancel_drops_the_staged_file(world, bank):
    c = client_for(world.organizer_a)
    resp = upload(c, bank, build_docx(GOOD))
    assert c.post(resp["Location"], {"action": "cancel"})["Location"] == reverse("exams:bank_import", args=[bank.pk])
    assert not StagedImport.objects.exists() and bank.questions.count() == 0


def test_what_is_imported_is_the_stored_file_not_anything_the_browser_sends(world, bank):
    c = client_for(world.organizer_a)
    resp = upload(c, bank, build_docx(GOOD))
    c.post(resp["Location"], {"action": "confirm", "stem": "<script>x</script>", "answer": "B", "questions": "[]"})
    assert sorted(bank.questions.values_list("answer", flat=True), key=str) == ["A", True]


def test_only_the_uploader_reaches_a_staged_file(world, bank):
    owner = client_for(world.organizer_a)
    resp = upload(owner, bank, build_docx(GOOD))
    token = StagedImport.objects.get().token
    media = reverse("exams:import_media", args=[bank.pk, token, "word/media/image1.png"])
    # another organizer who may use the bank (a shared bank) still cannot use someone else's upload
    shared = QuestionBank.objects.create(name="共用题库")
    other_in_scope = client_for(world.organizer_a)
    other_in_scope.force_login(_second_organizer(world).user)
    assert other_in_scope.get(resp["Location"]).status_code == 404
    assert other_in_scope.get(media).status_code == 404
    # the organizer of another subtree: the bank itself is not theirs (403, the site's answer for another
    # subtree's row: learning.members.scoping.get_or_404)
    assert client_for(world.organizer_b).get(resp["Location"]).status_code == 403
    assert client_for(world.organizer_b).post(resp["Location"], {"action": "confirm"}).status_code == 403
    # members and secretaries may not import at all
    for who in (world.member_a1, world.secretary_a1):
        assert client_for(who).get(resp["Location"]).status_code == 403
        assert client_for(who).get(media).status_code == 403
    anonymous = Client().get(resp["Location"])
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    # a token of one bank does not open another bank's preview (one the owner may import into)
    own_other = QuestionBank.objects.create(name="甲方另一题库", organization=world.committee_a)
    assert owner.get(reverse("exams:import_preview", args=[own_other.pk, token])).status_code == 404
    # …and a shared bank is not the organizer's to import into at all
    assert owner.get(reverse("exams:import_preview", args=[shared.pk, token])).status_code == 403
    assert bank.questions.count() == 0 and StagedImport.objects.count() == 1


def test_a_staged_file_expires_after_a_day(world, bank):
    c = client_for(world.organizer_a)
    resp = upload(c, bank, build_docx(GOOD))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)):
        assert c.get(resp["Location"]).status_code == 404
        upload(c, bank, build_docx(GOOD))  # the next upload clears what has expired
    assert StagedImport.objects.count() == 1


def test_only_pictures_of_the_file_are_served(world, bank):
    c = client_for(world.organizer_a)
    upload(c, bank, build_docx(GOOD))
    token = StagedImport.objects.get().token
    for name in ("word/document.xml", "[Content_Types].xml", "word/media/missing.png", "../etc/passwd.png"):
        assert c.get(reverse("exams:import_media", args=[bank.pk, token, name])).status_code == 404


def _second_organizer(world):
    from tests.factories import make_organizer

    return make_organizer(world.committee_a, world.branch_a1, "organizer_a2")
