"""Branch evaluation pages (支部考评): organizers define schemes, run and publish; everyone reads notices.

Every access decision is made in ``learning.evaluations.scoping``; views stay thin.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.downloads import PDF, XLSX, file_response
from learning.evaluations import engine, exports
from learning.evaluations.charts import trend_svg
from learning.evaluations.forms import AdjustmentForm, PublishForm, RunForm, SchemeForm
from learning.evaluations.models import EvaluationResult, EvaluationRun, ScoreAdjustment
from learning.evaluations.scoping import (
    can_organize_run,
    get_adjustment_for_user,
    get_branch_run_for_user,
    get_notice_for_user,
    get_run_for_organizer,
    get_run_for_reader,
    get_scheme_for_user,
    managed_schemes,
    own_branch_ids,
    own_branch_results,
    scheme_organizations,
    visible_notices,
)
from learning.members.scoping import require_organizer, scope_for, scoped_view


def _require_organizer(user) -> None:
    require_organizer(user, "只有组织员可以管理支部考评")


@scoped_view
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    schemes = managed_schemes(request.user).select_related("organization") if scope.is_organizer else []
    notices = Paginator(visible_notices(request.user).select_related("scheme").order_by("-published_at", "-pk"), 20)
    own: list[EvaluationResult] = list(own_branch_results(request.user).select_related("run")[:20])
    return render(
        request,
        "evaluations/home.html",
        {"schemes": schemes, "notices": notices.get_page(request.GET.get("page")), "own_results": own, "scope": scope},
    )


@scoped_view
def scheme_create(request: HttpRequest) -> HttpResponse:
    _require_organizer(request.user)
    form = SchemeForm(request.POST or None, organizations=scheme_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        scheme = form.save(by=request.user)
        messages.success(request, f"已创建考评方案“{scheme.name}”")
        return redirect("evaluations:scheme", scheme.pk)
    return render(request, "evaluations/scheme_form.html", {"form": form, "scheme": None})


@scoped_view
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk)
    form = SchemeForm(request.POST or None, instance=scheme, organizations=scheme_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        form.save(by=request.user)
        messages.success(request, "方案已保存；已生成的考评结果不受影响")
        return redirect("evaluations:scheme", scheme.pk)
    return render(request, "evaluations/scheme_form.html", {"form": form, "scheme": scheme})


@scoped_view
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk)
    return render(
        request,
        "evaluations/scheme_detail.html",
        {
            "scheme": scheme,
            "indicators": scheme.indicators.all(),
            "runs": scheme.runs.all()[:50],
            "adjustments": scheme.adjustments.select_related("branch", "created_by", "withdrawn_by")[:100],
            "run_form": RunForm(),
            "adjustment_form": AdjustmentForm(scheme=scheme),
        },
    )


@scoped_view
@require_POST
def scheme_run(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, "；".join(error))
        return redirect("evaluations:scheme", scheme.pk)
    try:
        run = engine.evaluate_period(scheme, form.cleaned_data["period"], by=request.user)
    except engine.EvaluationError as exc:
        messages.error(request, str(exc))
        return redirect("evaluations:scheme", scheme.pk)
    messages.success(request, f"已完成{run.period_label}考评（第{run.version}版）")
    return redirect("evaluations:run", run.pk)


@scoped_view
@require_POST
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk)
    form = AdjustmentForm(request.POST, scheme=scheme)
    if form.is_valid():
        period = form.cleaned_data["period"]
        ScoreAdjustment.objects.create(
            scheme=scheme,
            branch=form.cleaned_data["branch"],
            period_kind=period.kind,
            period_start=period.start,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            created_by=request.user,
        )
        messages.success(request, "已登记加减分；重新测评后计入总分")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
    return redirect("evaluations:scheme", scheme.pk)


@scoped_view
@require_POST
def adjustment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_adjustment_for_user(request.user, pk)
    scheme = adjustment.scheme
    adjustment.withdraw(request.user)
    messages.success(request, "已撤销该加减分项")
    return redirect("evaluations:scheme", scheme.pk)


def _rows(run: EvaluationRun, previous: EvaluationRun | None):
    delta = engine.comparison(run, previous)
    rows = []
    for result in run.results.order_by("rank", "branch_name"):
        rows.append({"result": result, "delta": delta.get(result.branch_id)})
    return rows


def _run_page(request: HttpRequest, run: EvaluationRun, publish_form: PublishForm) -> HttpResponse:
    previous = engine.previous_run(run)
    return render(
        request,
        "evaluations/run_detail.html",
        {"run": run, "previous": previous, "rows": _rows(run, previous), "publish_form": publish_form},
    )


@scoped_view
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, get_run_for_organizer(request.user, pk), PublishForm())


@scoped_view
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_organizer(request.user, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        engine.publish(run, by=request.user, **form.cleaned_data)
        messages.success(request, f"已发布公示：{run.publish_from:%Y-%m-%d} 至 {run.publish_until:%Y-%m-%d}")
        return redirect("evaluations:notice", run.pk)
    # Shown again with the errors beside the fields and the window as typed: a redirect would
    # reset both dates to their defaults and the organizer would type them again.
    return _run_page(request, run, form)


@scoped_view
def run_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_reader(request.user, pk)
    return file_response(exports.xlsx_bytes(run), f"支部考评-{run.period_label}-v{run.version}.xlsx", XLSX)


@scoped_view
def run_export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_reader(request.user, pk)
    pdf = exports.pdf_bytes(run, base_url=request.build_absolute_uri("/"))
    return file_response(pdf, f"支部考评-{run.period_label}-v{run.version}.pdf", PDF)


@scoped_view
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_notice_for_user(request.user, pk)
    previous = engine.previous_run(run, published_only=True)
    own_ids = own_branch_ids(request.user)
    own = list(run.results.filter(branch_id__in=own_ids).order_by("branch_name"))
    return render(
        request,
        "evaluations/notice.html",
        {
            "run": run,
            "rows": _rows(run, previous),
            "previous": previous,
            "own_results": own,
            "highlight": own_ids,
            "notice_open": run.notice_is_open(),
        },
    )


@scoped_view
def branch_result(request: HttpRequest, pk: int, branch_id: int) -> HttpResponse:
    run = get_branch_run_for_user(request.user, pk, branch_id)
    try:
        result = run.results.get(branch_id=branch_id)
    except EvaluationResult.DoesNotExist:
        raise Http404("该支部不在本次考评范围内") from None
    organizer = can_organize_run(request.user, run)
    previous = engine.previous_run(run, published_only=not organizer)
    delta = engine.comparison(run, previous).get(branch_id) if previous else None
    trend = engine.branch_trend(run, branch_id, published_only=not organizer)
    return render(
        request,
        "evaluations/branch_result.html",
        {
            "run": run,
            "result": result,
            "delta": delta,
            "previous": previous,
            "improvements": result.improvements(),
            "trend_svg": trend_svg(trend, title=f"{result.branch_name}总分走势"),
            "ranked_count": run.results.filter(rank__isnull=False).count(),
            "organizer": organizer,
        },
    )
