"""A real Chromium through the seminar flow of issue 15.

A secretary opens a topic; two members post and hand in on their phones, one of them copying a
paragraph of an archive material; the secretary sees the match side by side, rates one 优秀 and
returns the other; the organizer publishes the 优秀 one into the archive, where search finds it.
"""

import pytest

from learning.seminars.models import Reflection, ReflectionStatus, Topic
from tests.browser import sign_in
from tests.factories import make_member, make_organizer, make_secretary
from tests.search.factories import add_material
from tests.seminars.factories import MATERIAL_PARAGRAPHS, OWN_THOUGHTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_topic_from_opening_to_the_archive(archive, live_server, desktop, phone, world):
    add_material(archive, "学习型机关建设要义", *MATERIAL_PARAGRAPHS)
    branch = world.branch_a1
    make_secretary(branch, "shuji")
    make_organizer(world.committee_a, branch, "zuzhiyuan")
    honest = make_member(branch, "lixiao", "李晓")
    copier = make_member(branch, "zhaoming", "赵明")

    # The secretary opens a topic for the branch.
    sign_in(desktop, live_server.url, "shuji", then=f"{live_server.url}/seminars/new/")
    desktop.select_option("select[name=organization]", str(branch.pk))
    desktop.fill("input[name=title]", "学以致用专题研讨")
    desktop.fill("textarea[name=prompt]", "结合岗位谈谈如何把学习成果转化为工作成效。")
    desktop.fill("input[name=opens_on]", "2026-01-01")
    desktop.fill("input[name=closes_on]", "2099-12-31")
    desktop.fill("input[name=min_length]", "50")
    desktop.click("button:has-text('开设并通知党员')")
    desktop.wait_for_selector("text=研讨专题「学以致用专题研讨」已开设")
    topic = Topic.objects.get(title="学以致用专题研讨")

    # Two members post (one replies with an @-mention) and hand in; the draft autosaves.
    sign_in(phone, live_server.url, "lixiao", then=f"{live_server.url}/seminars/{topic.pk}/")
    phone.fill("#post-body", "我在窗口岗位，最大的体会是要少让群众跑腿。")
    phone.click("button:has-text('发表')")
    phone.wait_for_selector("text=我在窗口岗位，最大的体会是要少让群众跑腿。")
    phone.goto(f"{live_server.url}/seminars/{topic.pk}/reflection/")
    phone.fill("#id_draft", OWN_THOUGHTS[0])
    phone.wait_for_selector("text=草稿已自动保存", timeout=10_000)
    assert Reflection.objects.get(member=honest).draft == OWN_THOUGHTS[0]
    phone.fill("#id_draft", OWN_THOUGHTS[0] + "\n" + OWN_THOUGHTS[1])
    phone.click("button:has-text('提交心得')")
    phone.wait_for_selector("text=心得体会已提交，等待书记审阅")

    phone.context.clear_cookies()
    sign_in(phone, live_server.url, "zhaoming", then=f"{live_server.url}/seminars/{topic.pk}/")
    phone.click(".reply-link")
    phone.fill("#post-body", "@李晓 说得对，我们也在简化表格。")
    phone.click("button:has-text('发表')")
    phone.wait_for_selector(".post-replies >> text=说得对")
    phone.goto(f"{live_server.url}/seminars/{topic.pk}/reflection/")
    phone.fill("#id_draft", "我的学习体会如下。\n" + MATERIAL_PARAGRAPHS[2])
    phone.click("button:has-text('提交心得')")
    phone.wait_for_selector("text=心得体会已提交，等待书记审阅")

    # The secretary sees the copied paragraph beside its source.
    copied = Reflection.objects.get(member=copier)
    desktop.goto(f"{live_server.url}/seminars/{topic.pk}/reviews/")
    desktop.click("text=赵明")
    desktop.wait_for_selector(".originality >> text=疑似复制")
    match = desktop.locator(".match").first
    assert "学习型机关建设要义" in match.inner_text()
    assert "学以致用是检验学习成效的根本标准" in match.locator(".theirs").inner_text()
    assert "学以致用是检验学习成效的根本标准" in match.locator(".mine").inner_text()
    desktop.check("input[name=decision][value=return]")
    desktop.fill("textarea[name=comment]", "请用自己的话谈体会，不要照抄资料。")
    desktop.click("button:has-text('保存审阅结果')")
    desktop.wait_for_selector("text=审阅结果已保存")
    copied.refresh_from_db()
    assert copied.status == ReflectionStatus.RETURNED

    reflection = Reflection.objects.get(member=honest)
    desktop.goto(f"{live_server.url}/seminars/reflections/{reflection.pk}/")
    assert "未发现与文库或其他心得相同的段落" in desktop.inner_text(".originality")
    desktop.check("input[name=decision][value=excellent]")
    desktop.click("button:has-text('保存审阅结果')")
    desktop.wait_for_selector("text=审阅结果已保存")
    reflection.refresh_from_db()
    assert reflection.status == ReflectionStatus.EXCELLENT

    # The organizer publishes it into the archive, and search finds it.
    desktop.context.clear_cookies()
    sign_in(desktop, live_server.url, "zuzhiyuan", then=f"{live_server.url}/seminars/reflections/{reflection.pk}/")
    desktop.click("button:has-text('收入理论文库')")
    desktop.wait_for_selector("text=已收入理论文库")
    desktop.goto(f"{live_server.url}/search/?q=窗口岗位")
    desktop.wait_for_selector(".search-results")
    assert "学以致用专题研讨——李晓的心得体会" in desktop.inner_text(".search-results")
