"""Demo study year: every demo member gets believable study hours (written by the project).

Runs after ``courses.demo``. It uses the courses and materials that exist (by slug or the
first live ones) and creates minimal ones only when there are none, so it works with or
without the courses module's own demo content. Idempotent: every ledger entry has its
unique key, offline sessions are looked up by branch, date and topic.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from learning.hours.ledger import adjust, credit
from learning.hours.models import (
    HourRule,
    ItemKind,
    LedgerEntry,
    LedgerKind,
    OfflineKind,
    OfflineSession,
    RuleRole,
)
from learning.hours.offline import record_session
from learning.hours.progress import mark_complete
from learning.hours.tracking import check_course_completion
from learning.members.choices import RoleKind
from learning.members.demo import access_admin_permission
from learning.members.models import Member, Organization, RoleAssignment

# Offline sessions each branch held this year: (kind, month, day, topic, hours)
OFFLINE_PLAN = [
    (OfflineKind.GROUP_STUDY, 1, 15, "学习贯彻全会精神集中学习", Decimal("4")),
    (OfflineKind.COMMITTEE, 1, 20, "研究年度学习计划", Decimal("1")),
    (OfflineKind.PARTY_LECTURE, 2, 26, "书记讲党课：以学促干", Decimal("3")),
    (OfflineKind.THEME_DAY, 3, 5, "学雷锋志愿服务主题党日", Decimal("2")),
    (OfflineKind.GROUP, 3, 18, "党小组学习交流会", Decimal("1")),
    (OfflineKind.GROUP_STUDY, 4, 16, "机关作风建设专题集中学习", Decimal("4")),
    (OfflineKind.PARTY_CONGRESS, 5, 12, "支部党员大会", Decimal("1")),
    (OfflineKind.THEME_DAY, 7, 1, "重温入党誓词主题党日", Decimal("2")),
    (OfflineKind.PARTY_LECTURE, 7, 15, "党课：走好新时代的群众路线", Decimal("3")),
    (OfflineKind.GROUP_STUDY, 9, 10, "业务能力提升集中学习", Decimal("4")),
    (OfflineKind.COMMITTEE, 10, 14, "支委会：党员发展与教育", Decimal("1")),
    (OfflineKind.THEME_DAY, 11, 6, "学习宪法主题党日", Decimal("2")),
]

MATERIAL_TEXTS = [
    (
        "机关干部如何做好理论学习笔记",
        "做好学习笔记，要先通读原文、把握主旨，再摘录要点、写下体会，最后结合岗位职责列出改进举措。",
    ),
    (
        "读原著学原文悟原理的方法",
        "学习理论要坚持读原著、学原文、悟原理，把个人自学与集中研讨结合起来，做到学思用贯通。",
    ),
    (
        "把学习成果转化为工作实效",
        "检验学习成效，关键看解决实际问题的能力是否提升，要在调查研究、服务群众中检验学习成果。",
    ),
]
LESSON_TITLES = ["课程导学", "基本规范", "常见问题与案例"]


def _model(name: str):
    return apps.get_model("courses", name)


def _add(parent, instance):
    page = parent.add_child(instance=instance)
    page.save_revision().publish()
    return page


def _demo_course():
    """A live course with at least two required lessons: an existing one, or a minimal demo course."""
    CoursePage, LessonPage = _model("CoursePage"), _model("LessonPage")
    for course in CoursePage.objects.live().order_by("path"):
        if len(course.study_required_lesson_ids()) >= 2:
            return course
    home = _model("HomePage").objects.first()
    CourseIndexPage = _model("CourseIndexPage")
    index = CourseIndexPage.objects.child_of(home).first() or _add(
        home, CourseIndexPage(title="业务培训", slug="peixun")
    )
    course = CoursePage.objects.filter(slug="xuexi-fangfa").first() or _add(
        index,
        CoursePage(
            title="机关干部学习方法入门",
            slug="xuexi-fangfa",
            intro="<p>介绍机关干部开展理论学习和业务学习的基本方法。</p>",
            completion_hours=Decimal("1"),
        ),
    )
    for i, title in enumerate(LESSON_TITLES, start=1):
        if not LessonPage.objects.filter(slug=f"xuexi-fangfa-{i}").exists():
            _add(course, LessonPage(title=title, slug=f"xuexi-fangfa-{i}", duration_minutes=20 + 5 * i))
    return CoursePage.objects.get(pk=course.pk)


def _demo_materials() -> list:
    TheoryMaterialPage = _model("TheoryMaterialPage")
    materials = list(TheoryMaterialPage.objects.live().order_by("path")[:12])
    if len(materials) >= 3:
        return materials
    home = _model("HomePage").objects.first()
    TheoryIndexPage = _model("TheoryIndexPage")
    index = TheoryIndexPage.objects.child_of(home).first() or _add(
        home, TheoryIndexPage(title="理论学习", slug="lilun")
    )
    for i, (title, text) in enumerate(MATERIAL_TEXTS, start=1):
        if not TheoryMaterialPage.objects.filter(slug=f"xuexi-cailiao-{i}").exists():
            body = [("paragraph", f"<p>{text * 12}</p>")]
            _add(index, TheoryMaterialPage(title=title, slug=f"xuexi-cailiao-{i}", summary=text, body=body))
    return list(TheoryMaterialPage.objects.live().order_by("path")[:12])


def _ensure_secretary_admin_access() -> None:
    """Secretaries read their branch's ledger in the Wagtail admin."""
    group, _ = Group.objects.get_or_create(name="支部书记")
    group.permissions.add(access_admin_permission())
    User = group.user_set.model
    for user in User.objects.filter(learning_roles__role=RoleKind.SECRETARY).distinct():
        user.groups.add(group)


def _offline(branch: Organization, members: list[Member], year: int, today: dt.date, rng: random.Random) -> None:
    # Seeds are names, never ids: the same demo whatever ids the database hands out.
    diligence = {m.pk: 0.55 + 0.45 * random.Random(f"{m.user.username}:diligence").random() for m in members}
    for kind, month, day, topic, hours in OFFLINE_PLAN:
        held_on = dt.date(year, month, day)
        if held_on > today or OfflineSession.objects.filter(branch=branch, held_on=held_on, topic=topic).exists():
            continue
        attendees = [m.pk for m in members if rng.random() < diligence[m.pk]]
        record_session(branch, kind=kind, held_on=held_on, topic=topic, hours=hours, attendee_ids=attendees)


def _day(rng: random.Random, year: int, today: dt.date) -> dt.date:
    last = today if today.year == year else dt.date(year, 12, 31)
    start = dt.date(year, 1, 2)
    return start + dt.timedelta(days=rng.randint(0, max(0, (last - start).days)))


@transaction.atomic
def load(stdout=None) -> None:
    today = timezone.localdate()
    year = today.year
    HourRule.objects.get_or_create(
        organization=None,
        role=RuleRole.SECRETARY,
        year=None,
        defaults={"annual_target": Decimal("56"), "note": "支部书记年度学时目标"},
    )
    _ensure_secretary_admin_access()
    course = _demo_course()
    required_ids = set(course.study_required_lesson_ids())
    lessons = [lesson for lesson in course.study_lessons() if lesson.pk in required_ids]
    materials = _demo_materials()

    members = list(Member.objects.filter(is_active=True).select_related("branch", "user").order_by("pk"))
    by_branch: dict[int, list[Member]] = {}
    for member in members:
        by_branch.setdefault(member.branch_id, []).append(member)
    for branch_members in by_branch.values():
        branch = branch_members[0].branch
        _offline(branch, branch_members, year, today, random.Random(branch.name))

    for member in members:
        rng = random.Random(f"{member.user.username}:study")
        keen = rng.random()  # some members study a lot, some fall behind
        for page in rng.sample(materials, k=max(1, round(len(materials) * (0.3 + 0.7 * keen)))):
            day = _day(rng, year, today)
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(20, 0)))
            mark_complete(member, page, ItemKind.MATERIAL, at=when)
            credit(
                member,
                page.hours_for_member(member, year),
                LedgerKind.MATERIAL,
                source_key=f"page:{page.pk}",
                source_label=page.title,
                source_page=page,
                occurred_on=day,
                created_via="activity",
            )
        lesson_count = len(lessons) if keen > 0.45 else rng.randint(0, len(lessons) - 1)
        for lesson in lessons[:lesson_count]:
            day = _day(rng, year, today)
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 30)))
            mark_complete(member, lesson, ItemKind.LESSON, at=when)
            credit(
                member,
                lesson.hours_for_member(member, year),
                LedgerKind.LESSON,
                source_key=f"page:{lesson.pk}",
                source_label=lesson.title,
                source_page=lesson,
                occurred_on=day,
                created_via="activity",
            )
        if lesson_count == len(lessons):
            check_course_completion(
                member, course, now=timezone.make_aware(dt.datetime.combine(_day(rng, year, today), dt.time(21)))
            )
        if keen > 0.7:  # the keen ones attended an extra training last year and this year
            for y in (year - 1, year):
                credit(
                    member,
                    Decimal("8"),
                    LedgerKind.OFFLINE,
                    source_key=f"demo-training:{y}",
                    source_label=f"{y}年度机关党员集中轮训",
                    occurred_on=dt.date(y, 6, 20) if dt.date(y, 6, 20) <= today else today,
                    created_via="offline",
                )

    demo_member = Member.objects.filter(user__username="member").first()
    secretary = RoleAssignment.objects.filter(role=RoleKind.SECRETARY, user__username="secretary").first()
    if (
        demo_member
        and not LedgerEntry.objects.filter(
            member=demo_member, kind=LedgerKind.ADJUSTMENT, reason="补录外出参加的专题培训"
        ).exists()
    ):
        adjust(
            demo_member,
            Decimal("1.5"),
            reason="补录外出参加的专题培训",
            created_by=secretary.user if secretary else None,
            occurred_on=min(today, dt.date(year, 4, 22)),
        )
    if stdout is not None:
        stdout.write(
            f"学时演示数据：{LedgerEntry.objects.count()} 条学时记录，{OfflineSession.objects.count()} 次线下学习"
        )
