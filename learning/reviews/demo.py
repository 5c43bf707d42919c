"""Demo 民主评议 for 市教育局机关党委 (the demo organizer's subtree).

Last year's round is completed in every branch: self-assessments, peer comments, a ballot,
grades approved by the organizer, and one 整改 followed up and closed. This year's round is
open: 办公室党支部 is voting (the demo member has a draft self-assessment and has not voted
yet), the other branches are still writing self-assessments.

Everything goes through ``learning.reviews.services``, like a real round. Idempotent: a
round that exists for the year is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from learning.members.models import Member, Organization
from learning.reviews import services
from learning.reviews.choices import Grade
from learning.reviews.models import BranchReview, RectificationPlan, ReviewRound
from learning.reviews.services import Proposal

ORGANIZATION = "市直机关工委/市教育局机关党委"
VOTING_BRANCH = "办公室党支部"

IDEALS = [
    "始终把对党忠诚放在首位，认真学习党章党规，在思想上政治上行动上同党中央保持高度一致。",
    "坚定理想信念，自觉用党的创新理论武装头脑，面对各种错误思潮能够明辨是非、站稳立场。",
    "积极参加主题党日和组织生活会，按时足额交纳党费，党员意识和宗旨意识进一步增强。",
]
STUDY = [
    "全年通过学习平台完成理论学习和业务课程，坚持每周固定时间自学，做好学习笔记。",
    "结合本职工作系统学习教育法律法规和政策文件，参加线上测试，学用结合还有提升空间。",
    "参加支部集中学习和专题党课，撰写学习体会，但对新知识的钻研深度还不够。",
]
WORK = [
    "认真完成领导交办的文稿起草和综合协调任务，工作中注重细节，全年无差错。",
    "牵头推进处室重点工作，主动对接基层学校，及时回应群众关切，服务意识有所增强。",
    "做好本岗位日常业务，积极配合其他处室工作，遇到急难任务能够加班加点完成。",
]
CONDUCT = [
    "严格遵守中央八项规定精神，厉行节约，廉洁自律，没有违规违纪问题。",
    "工作作风务实，但有时存在求稳怕乱思想，开拓创新的劲头不足。",
    "注重调查研究，深入基层次数比往年增加，但有时存在重部署、轻落实的情况。",
]
IMPROVEMENT = [
    "一是理论学习不够系统；二是调查研究不够深入。今后将制定个人学习计划，每季度至少开展一次基层调研。",
    "存在学习碎片化、业务钻研不深的问题。下一步将按学习计划完成规定学时，并把学习成果用到推动工作上。",
    "批评与自我批评开展得不够大胆。今后将主动谈心谈话，认真听取群众意见，及时改进工作。",
]
PEER = [
    "工作认真负责，建议在理论学习上再系统一些，多写学习心得。",
    "服务基层热情高，希望今后在统筹协调上更主动一些。",
    "业务能力强，建议多参与支部活动，发挥好传帮带作用。",
    "作风扎实，有时沟通不够及时，希望加强和同事之间的交流。",
]


def load(stdout=None) -> None:
    org = Organization.objects.filter(full_name=ORGANIZATION).first()
    if org is None:
        return
    today = timezone.localdate()
    organizer = get_user_model().objects.filter(username="organizer").first()
    rng = random.Random(16)
    made = []
    if not ReviewRound.objects.filter(organization=org, year=today.year - 1).exists():
        made.append(_last_year(org, today.year - 1, organizer, rng))
    if not ReviewRound.objects.filter(organization=org, year=today.year).exists():
        made.append(_this_year(org, today, organizer, rng))
    if stdout is not None and made:
        stdout.write("民主评议：" + "；".join(made))


def _texts(rng: random.Random) -> dict[str, str]:
    return {
        "ideals": rng.choice(IDEALS),
        "study": rng.choice(STUDY),
        "work": rng.choice(WORK),
        "conduct": rng.choice(CONDUCT),
        "improvement": rng.choice(IMPROVEMENT),
    }


def _ballot(subjects: list[Member], rng: random.Random, favourites: set[int]) -> dict[int, str]:
    limit = len(subjects) // 3
    grades = {}
    excellent = 0
    for m in subjects:
        if m.pk in favourites and excellent < limit and rng.random() < 0.8:
            grades[m.pk] = Grade.EXCELLENT
            excellent += 1
        elif rng.random() < 0.04:
            grades[m.pk] = Grade.BASIC
        else:
            grades[m.pk] = Grade.QUALIFIED
    return grades


def _roll(br: BranchReview) -> list[Member]:
    return list(Member.objects.filter(review_entries__branch_review=br).select_related("user").order_by("name", "id"))


def _write_and_comment(br: BranchReview, day: dt.date, rng: random.Random, *, submit_share: float, skip=()) -> None:
    subjects = _roll(br)
    for m in subjects:
        if m.user.username in skip:
            continue
        submit = rng.random() < submit_share
        if submit or rng.random() < 0.5:
            services.save_self_assessment(br, m, _texts(rng), submit=submit, today=day)
    for author in subjects[: max(2, len(subjects) // 2)]:
        for subject in rng.sample([s for s in subjects if s.pk != author.pk], k=min(2, len(subjects) - 1)):
            services.save_peer_comment(br, author, subject.pk, rng.choice(PEER), today=day)


def _last_year(org: Organization, year: int, organizer, rng: random.Random) -> str:
    opens_on, closes_on = dt.date(year, 12, 1), dt.date(year, 12, 31)
    review_round = services.open_round(
        org,
        year=year,
        title=f"{year}年度民主评议党员",
        opens_on=opens_on,
        closes_on=closes_on,
        by=organizer,
        notify_members=False,
    )
    day = opens_on + dt.timedelta(days=10)
    for br in review_round.branch_reviews.select_related("round", "branch").order_by("branch__path"):
        _write_and_comment(br, day, rng, submit_share=1.0)
        br = services.start_voting(br, today=day)
        subjects = _roll(br)
        favourites = {m.pk for m in rng.sample(subjects, k=max(1, len(subjects) // 4))}
        for voter in subjects:
            if rng.random() < 0.95:
                services.cast_ballot(br, _ballot(subjects, rng, favourites), voter=voter, today=day)
        br = services.close_ballot(br)
        tallies = services.tallies(br)
        ranked = sorted(subjects, key=lambda m: -tallies[m.pk].counts.get(Grade.EXCELLENT, 0))
        excellent = {m.pk for m in ranked[: len(subjects) // 4]}
        weakest = min(subjects, key=lambda m: (-tallies[m.pk].counts.get(Grade.BASIC, 0), m.pk))
        proposals = []
        for m in subjects:
            if m.pk in excellent:
                proposals.append(Proposal(m.pk, Grade.EXCELLENT, feedback="全年表现突出，希望继续发挥先锋模范作用。"))
            elif br.branch.name == VOTING_BRANCH and m.pk == weakest.pk:
                proposals.append(
                    Proposal(
                        m.pk,
                        Grade.BASIC,
                        feedback="理论学习学时未达到年度目标，组织生活参加不够经常，请按整改要求落实。",
                    )
                )
            else:
                proposals.append(Proposal(m.pk, Grade.QUALIFIED, feedback="认真履行党员义务，希望在学习上更加系统。"))
        services.propose_grades(br, proposals)
        services.submit_proposal(br)
        services.approve(br, by=organizer, today=closes_on)
    for plan in RectificationPlan.objects.filter(result__branch_review__round=review_round):
        services.add_item(plan, "制定个人学习计划，每月完成不少于 3 学时的理论学习")
        services.add_item(plan, "按时参加党小组会和主题党日，不无故缺席")
        services.add_note(plan, "支部书记与本人谈心谈话，本人认识到问题并表示按期整改。")
        for item in plan.items.all():
            services.toggle_item(plan, item.pk)
        services.add_note(plan, "第一季度学时已达标，党小组会均按时参加，整改事项完成。")
        # Closed at the end of March, or today if that is still ahead (never a date in the future).
        services.close_rectification(plan, today=min(dt.date(year + 1, 3, 31), timezone.localdate()))
    return f"{year}年度已完成"


def _this_year(org: Organization, today: dt.date, organizer, rng: random.Random) -> str:
    review_round = services.open_round(
        org,
        year=today.year,
        title=f"{today.year}年度民主评议党员",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=25),
        allow_guests=True,
        by=organizer,
    )
    for br in review_round.branch_reviews.select_related("round", "branch").order_by("branch__path"):
        voting = br.branch.name == VOTING_BRANCH
        # The demo member keeps a draft to finish; the secretary has submitted.
        _write_and_comment(br, today, rng, submit_share=0.7 if voting else 0.3, skip=("member",))
        if voting:
            demo_member = Member.objects.filter(user__username="member", branch=br.branch).first()
            if demo_member is not None:
                draft = _texts(rng)
                draft["improvement"] = ""
                services.save_self_assessment(br, demo_member, draft, today=today)
            br = services.start_voting(br, today=today)
            subjects = _roll(br)
            favourites = {m.pk for m in rng.sample(subjects, k=max(1, len(subjects) // 4))}
            for voter in subjects[: len(subjects) // 2]:
                if voter.user.username in ("member", "secretary"):
                    continue
                services.cast_ballot(br, _ballot(subjects, rng, favourites), voter=voter, today=today)
    return f"{today.year}年度进行中"
