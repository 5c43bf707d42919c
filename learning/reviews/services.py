"""The steps of 民主评议, as functions a test can call without HTTP.

open_round → save_self_assessment / save_peer_comment → start_voting → cast_ballot
→ close_ballot (tallies become visible) → propose_grades → submit_proposal → approve
(results published, 整改 opened for 基本合格/不合格) → rectification follow-up → close.

Every rule lives in the database or in one of these functions; views only call them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from learning.members.choices import OrgKind
from learning.members.models import Member, Organization
from learning.members.scoping import ancestor_paths
from learning.plans.notify import notify
from learning.reviews.choices import NEEDS_RECTIFICATION, SELF_ASSESSMENT_HEADINGS, Grade, Stage
from learning.reviews.models import (
    Ballot,
    BallotMark,
    BranchReview,
    FollowUpNote,
    GuestCode,
    PeerComment,
    RectificationItem,
    RectificationPlan,
    Reviewee,
    ReviewResult,
    ReviewRound,
    SelfAssessment,
    VoterReceipt,
)

# How long a rectification plan runs unless the secretary sets another date.
RECTIFICATION_DAYS = 90
# Remind the member (and the secretary) this many days before a rectification is due.
REMIND_DAYS_BEFORE = 7
GUEST_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
GUEST_CODE_LENGTH = 12  # 32^12 ≈ 2^60: cannot be guessed, so an unsalted hash is enough
MAX_GUEST_CODES = 200


class ReviewError(Exception):
    """A step refused, with the reason in Chinese for the person who tried it."""


# --- the round ---------------------------------------------------------------


def open_round(
    organization: Organization,
    *,
    year: int,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    allow_guests: bool = False,
    by=None,
    notify_members: bool = True,
) -> ReviewRound:
    """Open a round for a subtree: a branch review for every branch with members, their roll frozen."""
    if closes_on < opens_on:
        raise ReviewError("结束日期不能早于开始日期")
    with transaction.atomic():
        # Rounds are opened one at a time along a line of the tree: the opener locks the rows of the
        # organization and its ancestors (root first), so two organizers opening nested rounds at the
        # same instant queue on their common ancestor and the second sees the first's round.
        list(
            Organization.objects.select_for_update()
            .filter(path__in=ancestor_paths(organization.path))
            .order_by("path")
            .values_list("pk", flat=True)
        )
        if ReviewRound.objects.filter(organization=organization, year=year).exists():
            raise ReviewError(f"{organization.name}已开展{year}年度民主评议，不能重复开启")
        # A branch is reviewed once a year: a round of an organization above or below this one
        # already holds some of its branches (members would vote twice, indicators count twice).
        overlapping = (
            ReviewRound.objects.filter(year=year)
            .filter(
                Q(organization__path__in=ancestor_paths(organization.path))
                | Q(organization__path__startswith=organization.path)
            )
            .select_related("organization")
            .first()
        )
        if overlapping is not None:
            raise ReviewError(
                f"{overlapping.organization}已开展{year}年度民主评议，覆盖本组织的部分或全部支部，不能重复开启"
            )
        review_round = ReviewRound.objects.create(
            organization=organization,
            year=year,
            title=title,
            opens_on=opens_on,
            closes_on=closes_on,
            allow_guests=allow_guests,
            created_by=by,
        )
        members = list(
            Member.objects.filter(
                is_active=True, branch__path__startswith=organization.path, branch__kind=OrgKind.BRANCH
            ).values_list("id", "branch_id", "user_id")
        )
        branch_ids = sorted({branch_id for _m, branch_id, _u in members})
        BranchReview.objects.bulk_create([BranchReview(round=review_round, branch_id=b) for b in branch_ids])
        by_branch = dict(BranchReview.objects.filter(round=review_round).values_list("branch_id", "id"))
        Reviewee.objects.bulk_create(
            [Reviewee(branch_review_id=by_branch[branch_id], member_id=m) for m, branch_id, _u in members],
            batch_size=2000,
        )
        if notify_members:
            notify(
                [user_id for _m, _b, user_id in members],
                f"{review_round.title}已开始",
                f"请在 {opens_on:%Y-%m-%d} 至 {closes_on:%Y-%m-%d} 期间完成个人自评、党员互评和民主测评。",
                reverse("reviews:home"),
            )
    return review_round


def _require_window(branch_review: BranchReview, today: dt.date) -> None:
    window = branch_review.round
    if today < window.opens_on:
        raise ReviewError(f"民主评议将于 {window.opens_on:%Y-%m-%d} 开始")
    if today > window.closes_on:
        raise ReviewError(f"民主评议已于 {window.closes_on:%Y-%m-%d} 结束")


def _locked(branch_review: BranchReview) -> BranchReview:
    """The branch review re-read under a row lock: stage changes and grade counts serialize on it."""
    return BranchReview.objects.select_for_update().select_related("round", "branch").get(pk=branch_review.pk)


# --- 个人自评 --------------------------------------------------------------------

HEADING_FIELDS = [name for name, _h, _p in SELF_ASSESSMENT_HEADINGS]


def save_self_assessment(
    branch_review: BranchReview,
    member: Member,
    texts: Mapping[str, str],
    *,
    submit: bool = False,
    today: dt.date | None = None,
) -> SelfAssessment:
    """Save the member's draft (autosave and the 保存 button); ``submit`` makes it final and read-only."""
    today = today or timezone.localdate()
    _require_window(branch_review, today)
    if branch_review.reached(Stage.COUNTED):
        raise ReviewError("本支部已进入组织评定，个人自评不能再修改")
    if not Reviewee.objects.filter(branch_review=branch_review, member=member).exists():
        raise ReviewError("您未参加该支部的民主评议")
    cleaned = {name: (texts.get(name) or "").strip() for name in HEADING_FIELDS}
    for name, heading, _prompt in SELF_ASSESSMENT_HEADINGS:
        if len(cleaned[name]) > 5000:
            raise ReviewError(f"“{heading}”不能超过 5000 字")
    if submit:
        empty = [heading for name, heading, _p in SELF_ASSESSMENT_HEADINGS if not cleaned[name]]
        if empty:
            raise ReviewError(f"提交前请填写：{'、'.join(empty)}")
    with transaction.atomic():
        assessment, _ = SelfAssessment.objects.select_for_update().get_or_create(
            branch_review=branch_review, member=member
        )
        if assessment.submitted:
            raise ReviewError("个人自评已提交，不能再修改")
        for name, value in cleaned.items():
            setattr(assessment, name, value)
        if submit:
            assessment.submitted_at = timezone.now()
        assessment.save()
    return assessment


# --- 党员互评 --------------------------------------------------------------------


def save_peer_comment(
    branch_review: BranchReview, author: Member, subject_id: int, text: str, *, today: dt.date | None = None
) -> PeerComment | None:
    """Write (or replace, or with empty text withdraw) the author's comment on another member of the branch."""
    today = today or timezone.localdate()
    _require_window(branch_review, today)
    if branch_review.reached(Stage.COUNTED):
        raise ReviewError("本支部已进入组织评定，互评意见不能再修改")
    roll = set(Reviewee.objects.filter(branch_review=branch_review).values_list("member_id", flat=True))
    if author.pk not in roll:
        raise ReviewError("您未参加该支部的民主评议")
    if subject_id not in roll:
        raise ReviewError("被评议人不在本支部参评名单中")
    if subject_id == author.pk:
        raise ReviewError("互评不能评价自己，请在个人自评中填写")
    text = (text or "").strip()
    if len(text) > 2000:
        raise ReviewError("互评意见不能超过 2000 字")
    if not text:
        PeerComment.objects.filter(branch_review=branch_review, author=author, subject_id=subject_id).delete()
        return None
    comment, _ = PeerComment.objects.update_or_create(
        branch_review=branch_review, author=author, subject_id=subject_id, defaults={"text": text}
    )
    return comment


# --- 民主测评 ------------------------------------------------------------------


def start_voting(branch_review: BranchReview, *, today: dt.date | None = None) -> BranchReview:
    today = today or timezone.localdate()
    _require_window(branch_review, today)
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.OPEN:
            raise ReviewError("民主测评已经开始过")
        br.stage = Stage.VOTING
        br.save(update_fields=["stage"])
    user_ids = Reviewee.objects.filter(branch_review=br).values_list("member__user_id", flat=True)
    notify(
        user_ids,
        f"{br.branch.name}民主测评已开始",
        "请进入民主评议，对本支部每名党员作出评价（无记名）。",
        reverse("reviews:home"),
    )
    return br


def hash_code(code: str) -> str:
    normalized = "".join(code.split()).upper().replace("-", "")
    return hashlib.sha256(normalized.encode()).hexdigest()


def issue_guest_codes(branch_review: BranchReview, count: int) -> list[str]:
    """``count`` one-time ballot codes for invited non-members; the codes are shown once, only hashes kept."""
    if not branch_review.round.allow_guests:
        raise ReviewError("本次民主评议未允许邀请群众参加测评")
    if branch_review.reached(Stage.COUNTED):
        raise ReviewError("民主测评已结束，不能再生成测评码")
    if not 1 <= count <= 50:
        raise ReviewError("每次可生成 1 至 50 个测评码")
    if GuestCode.objects.filter(branch_review=branch_review).count() + count > MAX_GUEST_CODES:
        raise ReviewError(f"每个支部最多 {MAX_GUEST_CODES} 个测评码")
    codes = ["".join(secrets.choice(GUEST_CODE_ALPHABET) for _ in range(GUEST_CODE_LENGTH)) for _ in range(count)]
    GuestCode.objects.bulk_create([GuestCode(branch_review=branch_review, code_hash=hash_code(c)) for c in codes])
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def find_guest_code(code: str) -> GuestCode | None:
    """The unused code's row (with its branch review), or None for an unknown or used code."""
    if not code or len(code) > 40:
        return None
    return (
        GuestCode.objects.select_related("branch_review__round", "branch_review__branch")
        .filter(code_hash=hash_code(code), receipt__isnull=True)
        .first()
    )


def ballot_subjects(branch_review: BranchReview) -> list[Member]:
    """The members a ballot grades: the branch's roll for this review."""
    return list(
        Member.objects.filter(review_entries__branch_review=branch_review).order_by("name", "id").only("id", "name")
    )


def cast_ballot(
    branch_review: BranchReview,
    grades: Mapping[int, str],
    *,
    voter: Member | None = None,
    guest_code: GuestCode | None = None,
    today: dt.date | None = None,
) -> None:
    """Record that the voter voted and, apart from it, their anonymous ballot — both or neither.

    The receipt goes first: a second ballot from the same voter (a double click, two phones)
    hits ``one_ballot_per_member`` / the guest code's one-to-one and rolls back everything.
    Nothing returned, nothing logged: the caller learns only that it worked.
    """
    if (voter is None) == (guest_code is None):
        raise ValueError("a ballot comes from a member or from a guest code")
    today = today or timezone.localdate()
    _require_window(branch_review, today)
    if branch_review.stage != Stage.VOTING:
        raise ReviewError("民主测评未开始或已结束")
    subjects = dict(Reviewee.objects.filter(branch_review=branch_review).values_list("member_id", "member__name"))
    if voter is not None and voter.pk not in subjects:
        raise ReviewError("您不在本支部参评名单中，不能参加测评")
    if guest_code is not None and guest_code.branch_review_id != branch_review.pk:
        raise ReviewError("测评码与支部不符")
    missing = [name for member_id, name in subjects.items() if member_id not in grades]
    if missing:
        raise ReviewError(f"请对每名党员作出评价，尚未评价：{'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}")
    unknown = [k for k in grades if k not in subjects]
    if unknown:
        raise ReviewError("测评票中有不在参评名单中的党员")
    invalid = [subjects[k] for k, g in grades.items() if g not in Grade.values]
    if invalid:
        raise ReviewError(f"{invalid[0]}的评价无效")
    excellent = sum(1 for g in grades.values() if g == Grade.EXCELLENT)
    if excellent * 3 > len(subjects):
        raise ReviewError(f"评为“优秀”的不能超过参评人数的三分之一（最多 {len(subjects) // 3} 名）")
    try:
        with transaction.atomic():
            if _stage_under_share_lock(branch_review.pk) != Stage.VOTING:
                raise ReviewError("民主测评已结束")
            VoterReceipt.objects.create(branch_review=branch_review, voter=voter, guest_code=guest_code, voted_on=today)
            ballot = Ballot.objects.create(branch_review=branch_review)
            marks = [
                BallotMark(ballot=ballot, subject_id=member_id, grade=grade) for member_id, grade in grades.items()
            ]
            secrets.SystemRandom().shuffle(marks)
            BallotMark.objects.bulk_create(marks, batch_size=1000)
    except IntegrityError:
        raise ReviewError("您已参加过本次民主测评，每人只能投一次票") from None


def _stage_under_share_lock(branch_review_id: int) -> str:
    """The stage, read under a share lock on PostgreSQL: ballots are written side by side, while
    ``close_ballot`` (FOR UPDATE) waits for those in flight and no ballot slips in after it."""
    table = BranchReview._meta.db_table
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stage FROM {table} WHERE id = %s{lock}", [branch_review_id])
        return cursor.fetchone()[0]


def close_ballot(branch_review: BranchReview) -> BranchReview:
    """End the ballot: tallies become visible to the committee, and the box is shaken.

    Shaking: every ballot of this branch review is rewritten with fresh random keys, in a
    random order, inside one transaction. Before, the table's physical order (what a dump or a
    plain ``SELECT`` returns on PostgreSQL, the rowid on SQLite) follows the order of voting;
    after, it is a random permutation, independent of the receipts' order.
    """
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.VOTING:
            raise ReviewError("民主测评未在进行中")
        _shake(br)
        br.stage = Stage.COUNTED
        br.save(update_fields=["stage"])
    return br


def close_expired_ballots(today: dt.date | None = None) -> int:
    """Close the ballots still open after their round's window (daily, ``send_review_reminders``).

    After the window nobody can vote (``cast_ballot`` checks it), so closing takes nothing away;
    left open, the box would keep its rows in voting order until a secretary remembers to close it.
    Returns how many were closed; their secretaries are told the count is ready.
    """
    from learning.members.choices import RoleKind
    from learning.members.models import RoleAssignment

    today = today or timezone.localdate()
    closed = 0
    expired = BranchReview.objects.filter(stage=Stage.VOTING, round__closes_on__lt=today)
    for br in expired.select_related("round", "branch").order_by("pk"):
        try:
            br = close_ballot(br)
        except ReviewError:  # closed by its secretary in the meantime
            continue
        closed += 1
        secretaries = RoleAssignment.objects.filter(role=RoleKind.SECRETARY, organization_id=br.branch_id)
        notify(
            secretaries.values_list("user_id", flat=True),
            f"{br.branch.name}民主测评已随评议期结束自动计票",
            f"评议期已于 {br.round.closes_on:%Y-%m-%d} 结束，民主测评已结束并计票，请进行组织评定。",
            reverse("reviews:manage", args=[br.pk]),
        )
    return closed


def _shake(branch_review: BranchReview) -> None:
    rows = list(
        BallotMark.objects.filter(ballot__branch_review=branch_review).values_list("ballot_id", "subject_id", "grade")
    )
    by_ballot: dict = defaultdict(list)
    for ballot_id, subject_id, grade in rows:
        by_ballot[ballot_id].append((subject_id, grade))
    ballots = list(by_ballot.values())
    rng = secrets.SystemRandom()
    rng.shuffle(ballots)
    Ballot.objects.filter(branch_review=branch_review).delete()
    fresh = [Ballot(branch_review=branch_review) for _ in ballots]
    Ballot.objects.bulk_create(fresh, batch_size=1000)
    marks = []
    for ballot, ballot_marks in zip(fresh, ballots, strict=True):
        rng.shuffle(ballot_marks)
        marks.extend(BallotMark(ballot=ballot, subject_id=s, grade=g) for s, g in ballot_marks)
    BallotMark.objects.bulk_create(marks, batch_size=2000)


@dataclass
class Tally:
    member_id: int
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, grade: str) -> int:
        return round(self.counts.get(grade, 0) * 100 / self.total) if self.total else 0

    @property
    def ordered(self) -> list[tuple[str, str, int]]:
        return [(g.value, g.label, self.counts.get(g.value, 0)) for g in Grade]


@dataclass
class Turnout:
    eligible: int
    voted_members: int
    guests_invited: int
    voted_guests: int

    @property
    def voted(self) -> int:
        return self.voted_members + self.voted_guests

    @property
    def percent(self) -> int:
        return round(self.voted_members * 100 / self.eligible) if self.eligible else 0


def tallies(branch_review: BranchReview) -> dict[int, Tally]:
    """Per member and grade, in two queries; refused while the ballot is open."""
    if not branch_review.ballot_closed:
        raise ReviewError("民主测评结束后才能查看计票结果")
    names = dict(Reviewee.objects.filter(branch_review=branch_review).values_list("member_id", "member__name"))
    result = {member_id: Tally(member_id, name, {}) for member_id, name in names.items()}
    rows = (
        BallotMark.objects.filter(ballot__branch_review=branch_review)
        .values("subject_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        if row["subject_id"] in result:
            result[row["subject_id"]].counts[row["grade"]] = row["n"]
    return result


def turnout(branch_review: BranchReview) -> Turnout:
    if not branch_review.ballot_closed:
        raise ReviewError("民主测评结束后才能查看参评率")
    receipts = VoterReceipt.objects.filter(branch_review=branch_review).aggregate(
        members=Count("id", filter=Q(guest_code__isnull=True)), guests=Count("id", filter=Q(guest_code__isnull=False))
    )
    return Turnout(
        eligible=Reviewee.objects.filter(branch_review=branch_review).count(),
        voted_members=receipts["members"],
        guests_invited=GuestCode.objects.filter(branch_review=branch_review).count(),
        voted_guests=receipts["guests"],
    )


def has_voted(branch_review: BranchReview, member: Member) -> bool:
    return VoterReceipt.objects.filter(branch_review=branch_review, voter=member).exists()


# --- 组织评定 ------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    member_id: int
    grade: str
    reason: str = ""
    feedback: str = ""


def excellent_limit(reviewees: int) -> int:
    return reviewees // 3


def propose_grades(branch_review: BranchReview, proposals: Iterable[Proposal], *, by=None) -> list[ReviewResult]:
    """Save the secretary's proposed grades (all or some); the rules hold for the branch as a whole."""
    proposals = list(proposals)
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.COUNTED:
            raise ReviewError(
                "民主测评结束后才能评定" if not br.reached(Stage.COUNTED) else "评定结果已提交审定，不能再修改"
            )
        names = dict(Reviewee.objects.filter(branch_review=br).values_list("member_id", "member__name"))
        for p in proposals:
            if p.member_id not in names:
                raise ReviewError("评定对象不在本支部参评名单中")
            if p.grade not in Grade.values:
                raise ReviewError(f"{names[p.member_id]}：请选择评定等次")
            if p.grade == Grade.UNQUALIFIED and not p.reason.strip():
                raise ReviewError(f"{names[p.member_id]}：评定为“不合格”须写明理由")
        current = dict(ReviewResult.objects.filter(branch_review=br).values_list("member_id", "grade"))
        current.update({p.member_id: p.grade for p in proposals})
        excellent = sum(1 for g in current.values() if g == Grade.EXCELLENT)
        limit = excellent_limit(len(names))
        if excellent > limit:
            raise ReviewError(
                f"评定为“优秀”的党员不能超过参评党员的三分之一（本支部 {len(names)} 人，最多 {limit} 名）"
            )
        saved = []
        for p in proposals:
            result, _ = ReviewResult.objects.update_or_create(
                branch_review=br,
                member_id=p.member_id,
                defaults={
                    "grade": p.grade,
                    "reason": p.reason.strip(),
                    "feedback": p.feedback.strip(),
                    "proposed_by": by,
                },
            )
            saved.append(result)
    return saved


def submit_proposal(branch_review: BranchReview) -> BranchReview:
    """The secretary sends the branch's grades to the organizer: every member must have one."""
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.COUNTED:
            raise ReviewError("当前不能提交审定")
        graded = set(ReviewResult.objects.filter(branch_review=br).values_list("member_id", flat=True))
        missing = (
            Reviewee.objects.filter(branch_review=br)
            .exclude(member_id__in=graded)
            .values_list("member__name", flat=True)
        )
        missing = list(missing)
        if missing:
            raise ReviewError(f"还有党员未评定：{'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}")
        br.stage = Stage.PROPOSED
        br.return_note = ""
        br.save(update_fields=["stage", "return_note"])
    organizers = _organizer_user_ids(br)
    notify(organizers, f"{br.branch.name}民主评议结果待审定", "", reverse("reviews:grading", args=[br.pk]))
    return br


def _organizer_user_ids(br: BranchReview) -> list[int]:
    from learning.members.choices import RoleKind
    from learning.members.models import RoleAssignment

    return list(
        RoleAssignment.objects.filter(
            role=RoleKind.ORGANIZER, organization__path__in=ancestor_paths(br.branch.path)
        ).values_list("user_id", flat=True)
    )


def return_proposal(branch_review: BranchReview, note: str) -> BranchReview:
    note = note.strip()
    if not note:
        raise ReviewError("退回时请写明意见")
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.PROPOSED:
            raise ReviewError("该支部的评定结果不在待审定状态")
        br.stage = Stage.COUNTED
        br.return_note = note[:500]
        br.save(update_fields=["stage", "return_note"])
    return br


def approve(branch_review: BranchReview, *, by=None, today: dt.date | None = None) -> BranchReview:
    """The organizer approves: results are published to each member, 整改 opened where due."""
    today = today or timezone.localdate()
    with transaction.atomic():
        br = _locked(branch_review)
        if br.stage != Stage.PROPOSED:
            raise ReviewError("该支部的评定结果不在待审定状态")
        br.stage = Stage.APPROVED
        br.approved_by = by
        br.approved_on = today
        br.save(update_fields=["stage", "approved_by", "approved_on"])
        needing = ReviewResult.objects.filter(branch_review=br, grade__in=NEEDS_RECTIFICATION)
        RectificationPlan.objects.bulk_create(
            [RectificationPlan(result=r, due_on=today + dt.timedelta(days=RECTIFICATION_DAYS)) for r in needing],
            ignore_conflicts=True,
        )
        user_ids = ReviewResult.objects.filter(branch_review=br).values_list("member__user_id", flat=True)
        notify(user_ids, f"{br.round.title}评定结果已公布", "请查看本人的评定结果和反馈意见。", reverse("reviews:home"))
    return br


# --- 整改 ---------------------------------------------------------------------


def _open_plan(plan: RectificationPlan) -> RectificationPlan:
    if plan.is_closed:
        raise ReviewError("整改已完成销号，不能再修改")
    return plan


def set_due_date(plan: RectificationPlan, due_on: dt.date) -> None:
    _open_plan(plan)
    plan.due_on = due_on
    plan.save(update_fields=["due_on"])


def add_item(plan: RectificationPlan, text: str) -> RectificationItem:
    _open_plan(plan)
    text = text.strip()
    if not text:
        raise ReviewError("请填写整改事项")
    return RectificationItem.objects.create(plan=plan, text=text[:500])


def toggle_item(plan: RectificationPlan, item_id: int) -> None:
    _open_plan(plan)
    item = plan.items.filter(pk=item_id).first()
    if item is None:
        raise ReviewError("整改事项不存在")
    item.done = not item.done
    item.save(update_fields=["done"])


def add_note(plan: RectificationPlan, text: str, *, by=None) -> FollowUpNote:
    _open_plan(plan)
    text = text.strip()
    if not text:
        raise ReviewError("请填写跟踪记录")
    return FollowUpNote.objects.create(plan=plan, text=text[:2000], author=by)


def close_rectification(plan: RectificationPlan, *, by=None, today: dt.date | None = None) -> None:
    _open_plan(plan)
    if not plan.items.exists():
        raise ReviewError("请先列出整改事项")
    if plan.items.filter(done=False).exists():
        raise ReviewError("还有整改事项未完成，不能销号")
    plan.closed_on = today or timezone.localdate()
    plan.closed_by = by
    plan.save(update_fields=["closed_on", "closed_by"])
    notify(
        [plan.result.member.user_id],
        "整改已销号",
        "您的整改事项已全部完成，支部已确认销号。",
        reverse("reviews:rectification", args=[plan.pk]),
    )


def send_rectification_reminders(today: dt.date | None = None) -> int:
    """Remind members (and their secretaries) of open rectifications due within a week or overdue, once a day."""
    from learning.members.choices import RoleKind
    from learning.members.models import RoleAssignment

    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            RectificationPlan.objects.select_for_update(skip_locked=True)
            .filter(closed_on__isnull=True, due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE))
            .exclude(last_reminded_on=today)
            .select_related("result__member", "result__branch_review__branch")
        )
        secretaries: dict[int, list[int]] = defaultdict(list)
        branch_ids = {p.result.branch_review.branch_id for p in due}
        for user_id, org_id in RoleAssignment.objects.filter(
            role=RoleKind.SECRETARY, organization_id__in=branch_ids
        ).values_list("user_id", "organization_id"):
            secretaries[org_id].append(user_id)
        for plan in due:
            member = plan.result.member
            when = "已逾期" if plan.due_on < today else f"将于 {plan.due_on:%Y-%m-%d} 到期"
            url = reverse("reviews:rectification", args=[plan.pk])
            notify([member.user_id], f"整改提醒：您的整改{when}", "请抓紧完成整改事项，并向支部报告。", url)
            notify(secretaries[plan.result.branch_review.branch_id], f"整改提醒：{member.name}的整改{when}", "", url)
            plan.last_reminded_on = today
            plan.save(update_fields=["last_reminded_on"])
    return len(due)
