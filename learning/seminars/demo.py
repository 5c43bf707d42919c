"""Demo seminars: two topics with posts, likes, an @-mention and reviewed 心得, one 优秀 in the archive.

Idempotent: a topic is looked up by (title, organization) and left alone when it exists. All text
is written by the project. Runs after the plans demo (the branch topic joins its current plan)
and goes through the services, so hours, notifications and the originality check are real.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from learning.members.choices import OrgKind, RoleKind
from learning.members.models import Member, Organization, RoleAssignment
from learning.plans.models import StudyPlan
from learning.seminars import services
from learning.seminars.indexing import check_and_index_reflection, rebuild_archive
from learning.seminars.models import ModerationWord, Reflection, ReflectionStatus, Topic
from learning.seminars.services import Decision

BRANCH_TOPIC = "提升机关服务效能专题研讨"
SUBTREE_TOPIC = "以学促干：把学习成果转化为履职本领"
WORDS = ["代写", "内部资料外传"]

BRANCH_PROMPT = (
    "围绕“群众办事还有哪些堵点”，请每位同志结合自己的岗位，说一说：\n"
    "1. 本岗位群众反映最多的一个问题是什么；\n"
    "2. 造成这个问题的原因在哪里；\n"
    "3. 你打算从哪一件小事改起。"
)
SUBTREE_PROMPT = "结合上半年的学习和工作，谈谈学习中最有收获的一点，以及它如何改变了你的工作方法。"

POSTS = [
    "我在收文岗位，最常听到的是“材料要交几份、交给谁”。很多问题其实一张清单就能说明白。",
    "同意。我们处室上个月试着把常见问题做成问答贴在门口，来回跑的人明显少了。",
    "我觉得原因不全在窗口，后台审核环节多，群众等的时间主要花在那里。",
    "建议支部牵头把各科室的办事时限汇总一下，大家互相看看差距。",
]
REPLIES = [
    "这个办法好，能不能把问答也放到网站上？",
    "后台环节确实可以并联，下次支委会可以专门议一议。",
]

REFLECTIONS = [
    "这次专题研讨，让我第一次认真算了一笔账：一位群众来办一件事，从进门到办结要经过几道手续、等多长时间。"
    "过去我总觉得自己只是流程中的一环，把分内的材料审好就算尽责了。听了几位同志的发言，我意识到群众看到的是整件事，"
    "他们不会区分哪一环出了问题，只会记住“跑了三趟”。\n"
    "我所在的收文岗位，最常见的问题是材料不齐被退回。下一步我准备做三件事：一是把常退件的原因整理成一页纸的提示，"
    "放在服务台和网站上；二是对第一次退件的群众打一个电话，说清楚还缺什么；三是每月统计一次退件率，在支部会上通报。"
    "小事做实了，群众的感受才会变。",
    "研讨中大家谈得最多的是“等”。我负责后台审核，坦白说，积压的件很多是因为我习惯攒到周五集中处理。"
    "这样做对我来说效率高，对群众来说却多等了好几天。\n"
    "我给自己定了一个规矩：当天收到的件当天过一遍，能办的马上办，需要补正的当天告知。"
    "同时我想和窗口的同志约定一个交接时间，上午、下午各一次，避免材料在两个岗位之间“睡觉”。"
    "一个月后我会把平均办理天数和以前对比，用数字检验这个改变有没有用。",
    "上半年我参加了支部组织的读书活动，读了几本关于调查研究的书。最大的收获是懂得了“先听后说”。"
    "以前下基层，我习惯先讲政策，再问有没有问题，往往得到的回答都是“没有问题”。"
    "后来我改成先请对方讲讲最近最难办的一件事，很多真实情况就这样说出来了。\n"
    "这个方法也改变了我写材料的方式：先列事实，再谈看法，最后提建议，材料短了，领导看得也快了。"
    "今后我打算每个季度至少到两个基层学校走一走，把听到的问题记在台账上，件件有回音。",
    "学习让我对“规矩”有了新的理解。过去我把制度看成约束，现在更多把它看成保护：按程序办事，"
    "既保护群众的合法权益，也保护干部自己。\n"
    "在经费审核工作中，我过去有时为了赶进度先办后补手续，这次研讨后我把近三个月的单据重新梳理了一遍，"
    "补齐了两笔手续不全的报销。今后我会坚持手续不全不办，同时把常用的报销要求做成清单发给各科室，"
    "让大家少走弯路。",
]


def _members(org: Organization, count: int) -> list[Member]:
    return list(
        Member.objects.filter(is_active=True, branch__path__startswith=org.path)
        .select_related("user", "branch")
        .order_by("branch__path", "pk")[:count]
    )


def _manager(org: Organization, role: str):
    assignment = (
        RoleAssignment.objects.filter(role=role, organization__path__in=_ancestors(org.path))
        .select_related("user")
        .order_by("-organization__depth")
        .first()
    )
    return assignment.user if assignment else get_user_model().objects.filter(is_superuser=True).first()


def _ancestors(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def load(stdout=None) -> None:
    for word in WORDS:
        ModerationWord.objects.get_or_create(word=word, organization=None)
    today = timezone.localdate()
    branch = Organization.objects.filter(name="办公室党支部", kind=OrgKind.BRANCH).first()
    if branch is None:
        branch = Organization.objects.filter(kind=OrgKind.BRANCH).order_by("path").first()
    if branch is None:
        return
    secretary = _manager(branch, RoleKind.SECRETARY)
    organizer = _manager(branch, RoleKind.ORGANIZER)
    created = 0
    # The demo loads inside one transaction, and the originality index is normally updated after
    # commit by a task: index the archive now, so the demo's checks read the same on any task backend.
    rebuild_archive()
    if not Topic.objects.filter(title=BRANCH_TOPIC, organization=branch).exists():
        _branch_topic(branch, secretary, organizer, today)
        created += 1
    parent = branch.get_parent()
    org = Organization.objects.filter(full_name__endswith="市教育局机关党委").first() or parent
    if org is not None and not Topic.objects.filter(title=SUBTREE_TOPIC, organization=org).exists():
        _subtree_topic(org, _manager(org, RoleKind.ORGANIZER), today)
        created += 1
    for reflection_id in (
        Reflection.objects.exclude(status=ReflectionStatus.DRAFT)
        .filter(copied_share__isnull=True)
        .values_list("pk", flat=True)
    ):
        check_and_index_reflection(reflection_id)
    if created:
        # The topics published their best 心得 into the archive: index those pages too, so a second
        # load finds the index as the first one left it.
        rebuild_archive()
    if stdout is not None and created:
        stdout.write(f"研讨式学习演示数据：{created} 个研讨专题")


def _branch_topic(branch, secretary, organizer, today: dt.date) -> None:
    from learning.plans.demo import CURRENT_TITLE

    members = _members(branch, 5)
    if len(members) < 3:
        return
    plan = StudyPlan.objects.filter(title=CURRENT_TITLE, organization=branch).first()
    topic = services.open_topic(
        user=secretary,
        organization=branch,
        title=BRANCH_TOPIC,
        prompt=BRANCH_PROMPT,
        opens_on=today - dt.timedelta(days=12),
        closes_on=today + dt.timedelta(days=10),
        min_length=150,
        plan=plan,
        plan_required=False,
    )
    day = topic.opens_on + dt.timedelta(days=1)
    posts = [services.add_post(topic, members[n % len(members)], text, today=day) for n, text in enumerate(POSTS)]
    services.add_post(topic, members[1], REPLIES[0], parent=posts[0], today=day)
    services.add_post(topic, members[2], f"@{members[0].name} {REPLIES[1]}", parent=posts[2], today=day)
    for post in posts[:2]:
        for member in members[1:4]:
            if member.pk != post.author_id:
                services.toggle_like(post, member)
    first = services.hand_in(topic, members[0], REFLECTIONS[0], today=day)
    second = services.hand_in(topic, members[1], REFLECTIONS[1], today=day)
    services.review(first, secretary, Decision.EXCELLENT, "从身边小事改起，措施具体，可以推广。")
    services.review(second, secretary, Decision.RETURN, "请补充一下和窗口岗位交接的具体安排。")
    services.save_draft(topic, members[2], "我在档案岗位，群众查档最常见的困难是")
    if organizer is not None:
        services.publish_to_archive(first, organizer)


def _subtree_topic(org, organizer, today: dt.date) -> None:
    members = _members(org, 4)
    if len(members) < 2 or organizer is None:
        return
    topic = services.open_topic(
        user=organizer,
        organization=org,
        title=SUBTREE_TOPIC,
        prompt=SUBTREE_PROMPT,
        opens_on=today - dt.timedelta(days=45),
        closes_on=today - dt.timedelta(days=15),
        min_length=150,
        notify_audience=False,
    )
    day = topic.opens_on + dt.timedelta(days=3)
    services.add_post(topic, members[0], "我最大的收获是学会了先听后说，下基层时多问一句“最难办的是什么”。", today=day)
    for member, text, decision in zip(members, REFLECTIONS[2:], [Decision.APPROVE, Decision.APPROVE], strict=False):
        reflection = services.hand_in(topic, member, text, today=day)
        services.review(reflection, organizer, decision, "")
