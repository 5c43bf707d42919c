"""Demo study year: every demo member gets believable study hours (written by the project).

Runs after the content demos (``demo/`` loads courses and the archive first). It studies
the study items those registered (``learning.hours.items``): the first course with required
lessons and the first materials; it never creates pages of an upper app. Idempotent: every ledger entry has its
unique key, offline sessions are looked up by branch, date and topic.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from learning.hours.items import StudyItem, study_item_models
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


def _demo_course() -> StudyItem | None:
    """The first live course with at least two required lessons, if the content demo made one."""
    for model in study_item_models(ItemKind.COURSE):
        for course in model.objects.live().order_by("path"):
            if len(course.study_required_lesson_ids()) >= 2:
                return course
    return None


def _demo_materials() -> list[StudyItem]:
    """Up to twelve live theory materials, in tree order."""
    materials: list[StudyItem] = []
    for model in study_item_models(ItemKind.MATERIAL):
        materials += list(model.objects.live().order_by("path")[: 12 - len(materials)])
    return materials


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
    required_ids = set(course.study_required_lesson_ids()) if course else set()
    lessons = [lesson for lesson in course.study_lessons() if lesson.pk in required_ids] if course else []
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
        for page in rng.sample(materials, k=min(len(materials), max(1, round(len(materials) * (0.3 + 0.7 * keen))))):
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
        lesson_count = len(lessons) if keen > 0.45 else rng.randint(0, max(0, len(lessons) - 1))
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
        if course is not None and lesson_count == len(lessons):
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
