"""民主评议 pages: the member's checklist and steps, the secretary's branch, the organizer's round.

Every access decision is made in ``learning.reviews.scoping``; every rule in ``services``.
The ballot views carry ``sensitive_post_parameters``: an error report never prints a ballot.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.downloads import PDF, XLSX, file_response
from learning.members.scoping import public_view, scope_for, scoped_view
from learning.reviews import exports, queries, services
from learning.reviews.choices import SELF_ASSESSMENT_HEADINGS, Grade, Stage
from learning.reviews.forms import GuestCodesForm, RectificationDueForm, RoundForm
from learning.reviews.models import ReviewResult, SelfAssessment
from learning.reviews.scoping import (
    can_approve,
    get_branch_review_for_manager,
    get_own_entry,
    get_rectification_for_user,
    get_round_for_organizer,
    managed_branch_reviews,
    manages_rectification,
    organized_rounds,
    own_entries,
    require_approver,
    round_organizations,
    visible_peer_comments,
)
from learning.reviews.services import ReviewError


def _fail(request: HttpRequest, exc: ReviewError) -> None:
    messages.error(request, str(exc))


# --- home: everyone's checklist, the secretary's branches, the organizer's rounds ----------


@scoped_view
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    entries = list(own_entries(request.user).order_by("-branch_review__round__year"))
    checklist = queries.checklists([e.branch_review for e in entries], scope.member_id) if entries else {}
    branch_reviews = (
        managed_branch_reviews(request.user)
        .select_related("round", "branch")
        .order_by("-round__year", "branch__path")[:100]
        if scope.manages_anything
        else []
    )
    rounds = organized_rounds(request.user).select_related("organization")[:50] if scope.is_organizer else []
    return render(
        request,
        "reviews/home.html",
        {
            "entries": [(e, checklist.get(e.branch_review_id)) for e in entries],
            "branch_reviews": branch_reviews,
            "rounds": rounds,
            "scope": scope,
        },
    )


# --- the organizer's round -----------------------------------------------------------


@scoped_view
def round_create(request: HttpRequest) -> HttpResponse:
    organizations = round_organizations(request.user)
    if not scope_for(request.user).is_organizer:
        raise PermissionDenied("只有组织员可以开展民主评议")
    form = RoundForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review_round = services.open_round(
                data["organization"],
                year=data["year"],
                title=data["title"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                allow_guests=data["allow_guests"],
                by=request.user,
            )
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已开启“{review_round.title}”，各支部书记可以组织本支部评议")
            return redirect("reviews:round", review_round.pk)
    return render(request, "reviews/round_form.html", {"form": form})


@scoped_view
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    review_round = get_round_for_organizer(request.user, round_id)
    return render(
        request, "reviews/round_detail.html", {"round": review_round, "rows": queries.round_summary(review_round)}
    )


@scoped_view
def round_summary_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    review_round = get_round_for_organizer(request.user, round_id)
    return file_response(exports.round_summary_xlsx(review_round), f"{review_round.title}汇总.xlsx", XLSX)


# --- the member's steps ------------------------------------------------------------------


@scoped_view
def entry(request: HttpRequest, review_id: int) -> HttpResponse:
    own = get_own_entry(request.user, review_id)
    br = own.branch_review
    result = ReviewResult.objects.filter(branch_review=br, member_id=own.member_id, branch_review__stage=Stage.APPROVED)
    result = result.select_related("rectification").first()
    return render(
        request,
        "reviews/entry.html",
        {
            "br": br,
            "checklist": queries.checklists([br], own.member_id)[br.pk],
            "result": result,
            "comments_about_me": visible_peer_comments(request.user, br).filter(subject_id=own.member_id),
            "today": timezone.localdate(),
        },
    )


def _assessment_context(br, assessment) -> list[dict]:
    return [
        {
            "name": name,
            "heading": heading,
            "prompt": prompt,
            "value": getattr(assessment, name, "") if assessment else "",
        }
        for name, heading, prompt in SELF_ASSESSMENT_HEADINGS
    ]


@scoped_view
def self_assessment(request: HttpRequest, review_id: int) -> HttpResponse:
    own = get_own_entry(request.user, review_id)
    br, member = own.branch_review, own.member
    if request.method == "POST":
        submit = "submit" in request.POST
        try:
            services.save_self_assessment(br, member, request.POST, submit=submit)
        except ReviewError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "个人自评已提交" if submit else "草稿已保存")
            return redirect("reviews:self", br.pk)
    assessment = SelfAssessment.objects.filter(branch_review=br, member=member).first()
    sections = _assessment_context(br, assessment)
    if request.method == "POST":  # keep what was typed after an error
        for section in sections:
            section["value"] = request.POST.get(section["name"], section["value"])
    return render(
        request,
        "reviews/self_assessment.html",
        {
            "br": br,
            "assessment": assessment,
            "sections": sections,
            "editable": not (assessment and assessment.submitted),
        },
    )


@scoped_view
@require_POST
def self_autosave(request: HttpRequest, review_id: int) -> JsonResponse:
    own = get_own_entry(request.user, review_id)
    try:
        assessment = services.save_self_assessment(own.branch_review, own.member, request.POST)
    except ReviewError as exc:
        return JsonResponse({"saved": False, "error": str(exc)}, status=400)
    return JsonResponse({"saved": True, "at": timezone.localtime(assessment.updated_at).strftime("%H:%M:%S")})


@scoped_view
def peers(request: HttpRequest, review_id: int) -> HttpResponse:
    own = get_own_entry(request.user, review_id)
    br, me = own.branch_review, own.member
    if request.method == "POST":
        try:
            subject_id = int(request.POST.get("subject", ""))
        except ValueError:
            messages.error(request, "请选择被评议人")
        else:
            try:
                services.save_peer_comment(br, me, subject_id, request.POST.get("text", ""))
            except ReviewError as exc:
                _fail(request, exc)
            else:
                messages.success(request, "互评意见已保存")
        return redirect("reviews:peers", br.pk)
    mine = dict(visible_peer_comments(request.user, br).filter(author_id=me.pk).values_list("subject_id", "text"))
    others = [(m, mine.get(m.pk, "")) for m in services.ballot_subjects(br) if m.pk != me.pk]
    return render(
        request, "reviews/peers.html", {"br": br, "others": others, "editable": not br.reached(Stage.COUNTED)}
    )


@scoped_view
@sensitive_post_parameters()
def ballot(request: HttpRequest, review_id: int) -> HttpResponse:
    own = get_own_entry(request.user, review_id)
    br = own.branch_review
    if request.method == "POST":
        try:
            services.cast_ballot(br, _grades_from(request.POST), voter=own.member)
        except ReviewError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "投票成功。您的测评票不记名，任何人都无法查看您投了什么。")
            return redirect("reviews:entry", br.pk)
    voted = services.has_voted(br, own.member)
    return render(
        request,
        "reviews/ballot.html",
        _ballot_context(br, voted=voted, guest=None, chosen=_grades_from(request.POST)),
    )


def _ballot_context(br, *, voted: bool, guest: str | None, chosen: dict[int, str] | None = None) -> dict:
    subjects = services.ballot_subjects(br)
    chosen = chosen or {}
    return {
        "br": br,
        "voted": voted,
        "subjects": [(m, chosen.get(m.pk, "")) for m in subjects],
        "grades": Grade.choices,
        "guest": guest,
        "limit": services.excellent_limit(len(subjects)),
    }


def _grades_from(post) -> dict[int, str]:
    grades: dict[int, str] = {}
    for key, value in post.items():
        if key.startswith("g-") and key[2:].isdigit():
            grades[int(key[2:])] = value
    return grades


@public_view("群众代表没有账号：凭一次性测评码（只存散列值）参加指定支部的无记名测评，测评码只在 POST 中传递")
@sensitive_post_parameters()
def guest_ballot(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "").strip() if request.method == "POST" else ""
    guest = services.find_guest_code(code) if code else None
    context: dict = {"code": code, "guest": guest, "grades": Grade.choices}
    if request.method == "POST" and guest is None:
        messages.error(request, "测评码无效或已使用")
        return render(request, "reviews/guest_code.html", context)
    if guest is None:
        return render(request, "reviews/guest_code.html", context)
    br = guest.branch_review
    if "cast" in request.POST:
        try:
            services.cast_ballot(br, _grades_from(request.POST), guest_code=guest)
        except ReviewError as exc:
            _fail(request, exc)
        else:
            return render(request, "reviews/guest_done.html", {"br": br})
    return render(
        request,
        "reviews/ballot.html",
        _ballot_context(br, voted=False, guest=code, chosen=_grades_from(request.POST)),
    )


# --- the branch committee --------------------------------------------------------------


@scoped_view
def manage(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    return render(
        request,
        "reviews/manage.html",
        {
            "br": br,
            "progress": queries.branch_progress(br),
            "turnout": services.turnout(br) if br.ballot_closed else None,
            "codes_form": GuestCodesForm(),
            "codes": None,
            "may_approve": can_approve(request.user, br),
        },
    )


@scoped_view
@require_POST
def manage_step(request: HttpRequest, review_id: int, step: str) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    try:
        if step == "start":
            services.start_voting(br)
            messages.success(request, "民主测评已开始，已通知本支部党员")
        elif step == "close":
            services.close_ballot(br)
            messages.success(request, "民主测评已结束，可以查看计票结果并进行组织评定")
            return redirect("reviews:grading", br.pk)
        else:
            raise ReviewError("未知的操作")
    except ReviewError as exc:
        _fail(request, exc)
    return redirect("reviews:manage", br.pk)


@scoped_view
@require_POST
def guest_codes(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    form = GuestCodesForm(request.POST)
    codes = None
    if form.is_valid():
        try:
            codes = services.issue_guest_codes(br, form.cleaned_data["count"])
        except ReviewError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "生成数量须在 1 至 50 之间")
    if codes is None:
        return redirect("reviews:manage", br.pk)
    response = render(request, "reviews/guest_codes.html", {"br": br, "codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@scoped_view
def grading(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    if not br.ballot_closed:
        messages.error(request, "民主测评结束后才能进行组织评定")
        return redirect("reviews:manage", br.pk)
    if request.method == "POST":
        try:
            proposals = queries.proposals_from(request.POST, br)
            services.propose_grades(br, proposals, by=request.user)
            if "submit" in request.POST:
                services.submit_proposal(br)
                messages.success(request, "评定结果已提交组织员审定")
                return redirect("reviews:manage", br.pk)
        except ReviewError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "评定意见已保存")
            return redirect("reviews:grading", br.pk)
    rows = queries.grading_rows(br, request.user, posted=request.POST if request.method == "POST" else None)
    return render(
        request,
        "reviews/grading.html",
        {
            "br": br,
            "rows": rows,
            "grades": Grade.choices,
            "turnout": services.turnout(br),
            "limit": services.excellent_limit(len(rows)),
            "editable": br.stage == Stage.COUNTED and scope_for(request.user).covers_org(br.branch),
            "may_approve": can_approve(request.user, br) and br.stage == Stage.PROPOSED,
        },
    )


@scoped_view
@require_POST
def approve(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    require_approver(request.user, br)
    try:
        if "return" in request.POST:
            services.return_proposal(br, request.POST.get("note", ""))
            messages.success(request, "已退回支部重新评定")
        else:
            services.approve(br, by=request.user)
            messages.success(request, "评定结果已审定，已通知本支部党员")
    except ReviewError as exc:
        _fail(request, exc)
    return redirect("reviews:grading", br.pk)


@scoped_view
def tally_xlsx(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    try:
        content = exports.tally_xlsx(br)
    except ReviewError as exc:
        raise PermissionDenied(str(exc)) from None
    return file_response(content, f"{br.branch.name}民主测评票统计表.xlsx", XLSX)


@scoped_view
def results_pdf(request: HttpRequest, review_id: int) -> HttpResponse:
    br = get_branch_review_for_manager(request.user, review_id)
    if not br.ballot_closed:
        raise PermissionDenied("民主测评结束后才能导出评议结果")
    return file_response(exports.results_pdf(br), f"{br.branch.name}民主评议结果.pdf", PDF)


# --- 整改 -----------------------------------------------------------------------


@scoped_view
def rectification(request: HttpRequest, rectification_id: int) -> HttpResponse:
    plan = get_rectification_for_user(request.user, rectification_id)
    manages = manages_rectification(request.user, plan)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied("只有支部书记可以管理整改")
        action = request.POST.get("action")
        try:
            if action == "item":
                services.add_item(plan, request.POST.get("text", ""))
            elif action == "toggle":
                services.toggle_item(plan, int(request.POST.get("item", "0") or 0))
            elif action == "note":
                services.add_note(plan, request.POST.get("text", ""), by=request.user)
            elif action == "due":
                form = RectificationDueForm(request.POST)
                if not form.is_valid():
                    raise ReviewError("请填写正确的整改期限（年-月-日）")
                services.set_due_date(plan, form.cleaned_data["due_on"])
            elif action == "close":
                services.close_rectification(plan, by=request.user)
                messages.success(request, "整改已销号")
            else:
                raise ReviewError("未知的操作")
        except ReviewError as exc:
            _fail(request, exc)
        return redirect("reviews:rectification", plan.pk)
    return render(
        request,
        "reviews/rectification.html",
        {
            "plan": plan,
            "items": plan.items.all(),
            "notes": plan.notes.select_related("author"),
            "manages": manages,
            "due_form": RectificationDueForm(initial={"due_on": plan.due_on}),
        },
    )
