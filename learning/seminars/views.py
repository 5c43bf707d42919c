"""Seminar pages: topics, posts, 心得 editor with autosave, review with originality, moderation, branch page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Value
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_errors_from
from learning.members.scoping import own_member, require_manager, scope_for, scoped_view
from learning.seminars import services
from learning.seminars.forms import ModerateForm, PostForm, ReflectionForm, ReportForm, ReviewForm, TopicForm
from learning.seminars.models import (
    REVIEWED,
    Post,
    PostEvent,
    PostLike,
    PostReport,
    PostStatus,
    Reflection,
    ReflectionMatch,
    ReflectionStatus,
)
from learning.seminars.originality import SUSPECT_SHARE
from learning.seminars.scoping import (
    can_manage_topic,
    can_moderate,
    can_publish,
    can_review,
    get_branch_for_user,
    get_post_for_user,
    get_reflection_for_reviewer,
    get_topic_for_manager,
    get_topic_for_user,
    in_audience,
    managed_topics,
    reviewable_reflections,
    topics_for_member,
)


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


@scoped_view
def topic_list(request: HttpRequest) -> HttpResponse:
    member = own_member(request.user)
    today = timezone.localdate()
    mine = list(
        topics_for_member(member)
        .select_related("organization")
        .annotate(
            handed_in=Exists(
                Reflection.objects.filter(topic_id=OuterRef("pk"), member=member).exclude(status=ReflectionStatus.DRAFT)
            )
            if member
            else Value(False)
        )
        .order_by("-opens_on", "-pk")[:100]
    )
    managed = []
    if scope_for(request.user).manages_anything:
        managed = list(
            managed_topics(request.user)
            .select_related("organization")
            .annotate(
                waiting=Count("reflections", filter=Q(reflections__status=ReflectionStatus.SUBMITTED), distinct=True),
                held=Count("posts", filter=Q(posts__status=PostStatus.HELD), distinct=True),
            )
            .order_by("-opens_on", "-pk")[:100]
        )
    return render(
        request,
        "seminars/topic_list.html",
        {"mine": mine, "managed": managed, "today": today, "member": member},
    )


@scoped_view
def topic_new(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "只有支部书记和组织员可以开设研讨专题")
    form = TopicForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.open_topic(
                user=request.user,
                organization=data["organization"],
                title=data["title"],
                prompt=data["prompt"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                reflection_required=data["reflection_required"],
                min_length=data["min_length"],
                page_ids=[p.pk for p in data["pages"]],
                offline_session=data["offline_session"],
                plan=data["plan"],
                plan_required=data["plan_required"],
            )
        except ValidationError as exc:
            add_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"研讨专题「{topic.title}」已开设，已通知参加的党员")
            return redirect("seminars:topic", topic_id=topic.pk)
    elif request.method == "GET":
        today = timezone.localdate()
        form.initial.update({"opens_on": today, "closes_on": today + timezone.timedelta(days=14)})
    return render(request, "seminars/topic_form.html", {"form": form})


@scoped_view
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, topic_id)
    member = own_member(request.user)
    manager = can_manage_topic(request.user, topic)
    # Members see published posts and their own held ones; managers see held ones to release.
    shown = Q(status=PostStatus.VISIBLE)
    if member:
        shown |= Q(author=member, status=PostStatus.HELD)
    if manager:
        shown |= Q(status=PostStatus.HELD)
    posts = (
        Post.objects.filter(topic=topic, parent__isnull=True)
        .filter(shown | Q(status=PostStatus.HIDDEN))
        .select_related("author")
        .annotate(
            like_count=Count("likes", distinct=True),
            liked=Exists(PostLike.objects.filter(post_id=OuterRef("pk"), member=member)) if member else Value(False),
        )
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Post.objects.filter(shown | Q(status=PostStatus.HIDDEN))
                .select_related("author")
                .annotate(
                    like_count=Count("likes", distinct=True),
                    liked=Exists(PostLike.objects.filter(post_id=OuterRef("pk"), member=member))
                    if member
                    else Value(False),
                )
                .order_by("created_at", "pk"),
            )
        )
        .order_by("created_at", "pk")
    )
    reflection = services.reflection_for(topic, member) if member else None
    items = list(topic.items.select_related("page"))
    context = {
        "topic": topic,
        "posts": posts,
        "items": items,
        "member": member,
        "can_post": in_audience(member, topic) and topic.is_open(timezone.localdate()),
        "in_audience": in_audience(member, topic),
        "manager": manager,
        "reflection": reflection,
        "form": PostForm(),
        "report_form": ReportForm(),
        "today": timezone.localdate(),
    }
    if manager or scope_for(request.user).manages_anything:
        context["stats"] = {
            "audience": services.audience(topic).count(),
            "handed_in": topic.reflections.exclude(status=ReflectionStatus.DRAFT).count(),
            "approved": topic.reflections.filter(status__in=REVIEWED).count(),
        }
    return render(request, "seminars/topic.html", context)


@scoped_view
@require_POST
def post_create(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, topic_id)
    form = PostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写发言内容（不超过5000字）")
        return redirect("seminars:topic", topic_id=topic.pk)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Post.objects.filter(pk=form.cleaned_data["parent"], topic=topic).select_related("parent").first()
        if parent is None:
            messages.error(request, "回复的发言不存在")
            return redirect("seminars:topic", topic_id=topic.pk)
    try:
        post = services.add_post(topic, own_member(request.user), form.cleaned_data["body"], parent=parent)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("seminars:topic", topic_id=topic.pk)
    if post.status == PostStatus.HELD:
        messages.info(request, "您的发言含有需要审核的词语，书记审核后将公开显示")
    return redirect(f"{services.topic_url(topic)}#post-{post.pk}")


@scoped_view
@require_POST
def post_like(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_post_for_user(request.user, post_id)
    try:
        liked = services.toggle_like(post, own_member(request.user))
    except ValidationError as exc:
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"error": _errors(exc)}, status=400)
        messages.error(request, _errors(exc))
        return redirect("seminars:topic", topic_id=post.topic_id)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"liked": liked, "count": PostLike.objects.filter(post=post).count()})
    return redirect(f"{services.topic_url(post.topic)}#post-{post.pk}")


@scoped_view
@require_POST
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_post_for_user(request.user, post_id)
    form = ReportForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": "请填写举报理由"})
        services.report_post(post, own_member(request.user), form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已举报，书记将尽快处理")
    return redirect(f"{services.topic_url(post.topic)}#post-{post.pk}")


@scoped_view
@require_POST
def post_moderate(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_post_for_user(request.user, post_id)
    if not can_moderate(request.user, post):
        raise PermissionDenied("只有本支部书记和组织员可以处理发言")
    form = ModerateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请选择处理方式")
        services.moderate(post, request.user, form.cleaned_data["action"], form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已处理")
    return redirect("seminars:moderation", topic_id=post.topic_id)


@scoped_view
def moderation(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_topic_for_manager(request.user, topic_id)
    posts = (
        Post.objects.filter(topic=topic)
        .filter(
            Q(status__in=[PostStatus.HELD, PostStatus.HIDDEN])
            | Q(reports__resolved_at__isnull=True, reports__isnull=False)
        )
        .select_related("author", "author__branch", "topic__organization")
        .prefetch_related(
            Prefetch("events", queryset=PostEvent.objects.select_related("by")),
            Prefetch("reports", queryset=PostReport.objects.select_related("reporter")),
        )
        .distinct()
        .order_by("-created_at")
    )
    rows = [(post, can_moderate(request.user, post)) for post in posts]
    return render(request, "seminars/moderation.html", {"topic": topic, "rows": rows, "form": ModerateForm()})


@scoped_view
def reflection_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, topic_id)
    member = own_member(request.user)
    if not in_audience(member, topic):
        raise PermissionDenied("您不在该研讨专题的参加范围内")
    reflection = services.reflection_for(topic, member)
    form = ReflectionForm(request.POST or None, initial={"draft": reflection.draft if reflection else ""})
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["draft"]
        try:
            if "hand_in" in request.POST:
                services.hand_in(topic, member, text)
                messages.success(request, "心得体会已提交，等待书记审阅")
            else:
                services.save_draft(topic, member, text)
                messages.success(request, "草稿已保存")
        except ValidationError as exc:
            form.add_error("draft", _errors(exc))
        else:
            return redirect("seminars:reflection", topic_id=topic.pk)
    revisions = list(reflection.revisions.all()) if reflection else []
    return render(
        request,
        "seminars/reflection.html",
        {
            "topic": topic,
            "reflection": reflection,
            "form": form,
            "revisions": revisions,
            "open": topic.is_open(timezone.localdate()),
        },
    )


@scoped_view
@require_POST
def reflection_autosave(request: HttpRequest, topic_id: int) -> JsonResponse:
    topic = get_topic_for_user(request.user, topic_id)
    try:
        reflection = services.save_draft(topic, own_member(request.user), request.POST.get("draft", ""))
    except (ValidationError, PermissionDenied) as exc:
        message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        return JsonResponse({"saved": False, "error": message}, status=400)
    return JsonResponse(
        {
            "saved": True,
            "at": timezone.localtime(reflection.draft_saved_at).strftime("%H:%M:%S"),
            "length": services.text_length(reflection.draft),
        }
    )


@scoped_view
def review_list(request: HttpRequest, topic_id: int) -> HttpResponse:
    require_manager(request.user, "只有支部书记和组织员可以审阅心得")
    topic = get_topic_for_manager(request.user, topic_id)
    reflections = (
        reviewable_reflections(request.user)
        .filter(topic=topic)
        .exclude(status=ReflectionStatus.DRAFT)
        .select_related("member", "member__branch")
        .order_by("status", "-submitted_at")
    )
    return render(
        request,
        "seminars/review_list.html",
        {"topic": topic, "reflections": reflections, "suspect": SUSPECT_SHARE},
    )


@scoped_view
def review_detail(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = get_reflection_for_reviewer(request.user, reflection_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review(reflection, request.user, form.cleaned_data["decision"], form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, "审阅结果已保存，已通知本人")
            return redirect("seminars:review", reflection_id=reflection.pk)
    matches = ReflectionMatch.objects.filter(reflection=reflection).select_related("document")
    return render(
        request,
        "seminars/review.html",
        {
            "reflection": reflection,
            "topic": reflection.topic,
            "matches": matches,
            "form": form,
            "revisions": list(reflection.revisions.all()),
            "suspect": reflection.copied_share is not None and reflection.copied_share >= SUSPECT_SHARE,
            "can_review": can_review(request.user, reflection),
            "can_publish": can_publish(request.user, reflection),
        },
    )


@scoped_view
@require_POST
def reflection_publish(request: HttpRequest, reflection_id: int) -> HttpResponse:
    reflection = get_reflection_for_reviewer(request.user, reflection_id)
    try:
        services.publish_to_archive(reflection, request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, "已收入理论文库")
    return redirect("seminars:review", reflection_id=reflection.pk)


@scoped_view
def branch_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """The branch's topics and its 优秀 心得 over the years."""
    org = get_branch_for_user(request.user, org_id)
    topics = (
        topics_for_member_branch(org)
        .select_related("organization")
        .annotate(
            post_count=Count("posts", filter=Q(posts__status=PostStatus.VISIBLE), distinct=True),
            reflection_count=Count("reflections", filter=Q(reflections__status__in=REVIEWED), distinct=True),
        )
        .order_by("-opens_on", "-pk")
    )
    excellent = (
        Reflection.objects.filter(status=ReflectionStatus.EXCELLENT, member__branch__path__startswith=org.path)
        .select_related("member", "topic", "published_page")
        .order_by("-reviewed_at")
    )
    by_year: dict[int, list] = {}
    for r in excellent:
        by_year.setdefault(r.reviewed_at.year if r.reviewed_at else 0, []).append(r)
    return render(
        request,
        "seminars/branch.html",
        {"org": org, "topics": topics, "excellent_by_year": sorted(by_year.items(), reverse=True)},
    )


def topics_for_member_branch(org):
    from learning.members.scoping import ancestor_paths
    from learning.seminars.models import Topic

    return Topic.objects.filter(
        Q(organization__path__in=ancestor_paths(org.path)) | Q(organization__path__startswith=org.path)
    )
