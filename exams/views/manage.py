"""What organizers and secretaries do: the management page, question banks (create, import with a
preview, export, template), the 简答题 grading queue and an exam's statistics.

Each view reaches only what exams.scoping gives the viewer: banks of their subtree (and
shared ones), exams whose audience reaches their people, answers of their members.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.downloads import XLSX, bytes_response
from exams.choices import AttemptStatus, QuestionType
from exams.errors import ExamError
from exams.importers import FORMATS, export_questions
from exams.importers import preview as preview_service
from exams.importers.base import ImportFileError
from exams.importers.xlsx import template_xlsx
from exams.models import AttemptQuestion, QuestionBank
from exams.scoping import (
    bank_owner_choices,
    get_bank_for_user,
    get_managed_exam,
    get_staged_import,
    manageable_exams,
    visible_banks,
    writable_banks,
)
from exams.services import grade_essay
from exams.stats import attempts_table, exam_stats, stats_xlsx
from exams.views.errors import answers_errors
from learning.members.scoping import member_records_filter, public_view, scope_for, scoped_view

MAX_UPLOAD = 20 * 1024 * 1024


def _require_manager(request: HttpRequest, *, organizer_only: bool = False) -> None:
    scope = scope_for(request.user)
    allowed = scope.is_organizer if organizer_only else scope.manages_anything
    if not allowed:
        raise PermissionDenied("只有组织员可以进行此操作" if organizer_only else "只有支部书记和组织员可以查看")


def _grading_queue(request: HttpRequest):
    """Submitted 简答题 answers awaiting a grader, of the organizer's own members."""
    return AttemptQuestion.objects.filter(
        question__qtype=QuestionType.ESSAY, graded_at__isnull=True, attempt__status=AttemptStatus.SUBMITTED
    ).filter(member_records_filter(request.user, "attempt__member__", organizer_only=True))


@scoped_view
def manage(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    scope = scope_for(request.user)
    banks = visible_banks(request.user).annotate(n=Count("questions")) if scope.is_organizer else []
    exams = manageable_exams(request.user).live().order_by("-opens_at")
    pending = _grading_queue(request).count() if scope.is_organizer else 0
    return render(
        request,
        "exams/manage.html",
        {
            "banks": banks,
            "exams": exams,
            "pending": pending,
            "is_organizer": scope.is_organizer,
            "is_admin": scope.is_admin,
            "owners": bank_owner_choices(request.user) if scope.is_organizer else [],
            "writable": set(writable_banks(request.user).values_list("pk", flat=True)) if scope.is_organizer else set(),
        },
    )


@scoped_view
@require_POST
@answers_errors(back="exams:manage")
def bank_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request, organizer_only=True)
    name = request.POST.get("name", "").strip()[:100]
    if not name:
        raise ExamError("请填写题库名称")
    if QuestionBank.objects.filter(name=name).exists():
        raise ExamError(f"题库“{name}”已存在")
    # A new bank belongs to the organizer's own subtree; only a site admin creates a shared (全平台共用) one.
    owners = bank_owner_choices(request.user)
    chosen = request.POST.get("organization", "").strip()
    if scope_for(request.user).is_admin and not chosen:
        owner = None
    else:
        owner = owners.filter(pk=int(chosen)).first() if chosen.isdigit() and len(chosen) < 19 else owners.first()
        if owner is None:
            raise ExamError("请选择题库所属的组织（您负责的组织）")
    QuestionBank.objects.create(name=name, organization=owner)
    messages.success(request, f"已创建题库“{name}”")
    return redirect("exams:manage")


@scoped_view
def bank_import(request: HttpRequest, bank_id: int) -> HttpResponse:
    """Upload a question file; a readable one is staged and shown on its preview page before anything is saved."""
    _require_manager(request, organizer_only=True)
    bank = get_bank_for_user(request.user, bank_id, write=True)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["请选择要导入的文件"]
        elif upload.size > MAX_UPLOAD:
            errors = ["文件超过 20 MB"]
        else:
            try:
                staged = preview_service.stage(bank, request.user, upload.read(), upload.name)
            except ImportFileError as exc:
                errors = [str(exc)]
            else:
                return redirect("exams:import_preview", bank_id=bank.pk, token=staged.token)
    return render(
        request,
        "exams/bank_import.html",
        {"bank": bank, "errors": errors, "error_count": len(errors), "formats": FORMATS.values()},
    )


@scoped_view
def import_preview(request: HttpRequest, bank_id: int, token: str) -> HttpResponse:
    """How each question of the staged file was read; confirming imports exactly that file."""
    _require_manager(request, organizer_only=True)
    staged = get_staged_import(request.user, bank_id, token)
    bank = staged.bank
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            staged.delete()
            messages.info(request, "已取消导入，未保存任何试题")
            return redirect("exams:bank_import", bank_id=bank.pk)
        result = preview_service.confirm(
            staged,
            skip_duplicates=bool(request.POST.get("skip_duplicates")),
            skip_invalid=bool(request.POST.get("skip_invalid")),
            user=request.user,
        )
        if result.ok:
            notes = []
            if result.skipped:
                notes.append(f"跳过 {len(result.skipped)} 道")
            messages.success(
                request, f"已向题库“{bank.name}”导入 {result.created} 道试题{'，' + '，'.join(notes) if notes else ''}"
            )
            for line in result.skipped[:200]:
                messages.info(request, line)
            return redirect("exams:manage")
        errors = result.errors
    shown = preview_service.preview(staged)
    return render(
        request,
        "exams/import_preview.html",
        {"bank": bank, "preview": shown, "staged": staged, "errors": errors[:500], "error_count": len(errors)},
    )


@scoped_view
def import_media(request: HttpRequest, bank_id: int, token: str, name: str) -> HttpResponse:
    """A picture of a staged file, so the preview shows the stems as they will be stored."""
    _require_manager(request, organizer_only=True)
    staged = get_staged_import(request.user, bank_id, token)
    image = preview_service.staged_image(staged, name)
    if image is None:
        raise Http404("图片不存在")
    response = HttpResponse(image.data, content_type=image.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@scoped_view
@answers_errors(back="exams:manage")
def bank_export(request: HttpRequest, bank_id: int, fmt: str) -> HttpResponse:
    _require_manager(request, organizer_only=True)
    bank = get_bank_for_user(request.user, bank_id)
    file_format = FORMATS.get(fmt)
    if file_format is None:
        raise Http404("不支持的格式")
    questions = bank.questions.prefetch_related("knowledge_points").order_by("id")
    try:
        data = export_questions(questions, fmt)
    except ImportFileError as exc:  # e.g. GIFT cannot hold a multi-blank question: say which one
        raise ExamError(str(exc)) from exc
    return bytes_response(data, f"{bank.name}{file_format.extension}", file_format.content_type)


@public_view("空白的试题导入模板：只有表头和示例，不含任何人的数据")
def question_template(request: HttpRequest) -> HttpResponse:
    return bytes_response(template_xlsx(), "试题导入模板.xlsx", XLSX)


@scoped_view
@answers_errors(back="exams:grading")
def grading(request: HttpRequest) -> HttpResponse:
    """Queue of 简答题 answers awaiting a grader, limited to the organizer's subtree."""
    _require_manager(request, organizer_only=True)
    queue = _grading_queue(request)
    if request.method == "POST":
        item = queue.select_related("question", "attempt").filter(pk=request.POST.get("item")).first()
        if item is None:
            raise Http404("该答案不在您的阅卷范围内或已评分")
        try:
            score = Decimal(request.POST.get("score", ""))
        except InvalidOperation:
            raise ExamError("得分应为数字") from None
        grade_essay(item, score, request.user, request.POST.get("comment", ""))
        messages.success(request, "已评分")
        return redirect("exams:grading")
    items = queue.select_related("question", "attempt__exam", "attempt__member__branch").order_by(
        "attempt__submitted_at"
    )[:50]
    return render(request, "exams/grading.html", {"items": items, "total": queue.count()})


@scoped_view
def statistics(request: HttpRequest, exam_id: int) -> HttpResponse:
    _require_manager(request)
    exam = get_managed_exam(request.user, exam_id)
    stats = exam_stats(exam, request.user)
    attempts = attempts_table(exam, request.user)
    if request.GET.get("format") == "xlsx":
        return bytes_response(stats_xlsx(stats, attempts), f"考试统计-{exam.title}.xlsx", XLSX)
    peak = max((n for _, n in stats.distribution), default=0) or 1
    bars = [(label, n, int(n * 100 / peak)) for label, n in stats.distribution]
    return render(
        request, "exams/statistics.html", {"exam": exam, "stats": stats, "bars": bars, "attempts": attempts[:500]}
    )
