from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.choosers import chooser_response, matching, search_terms
from core.collation import pinyin
from core.converters import parse_id
from core.downloads import xlsx_response
from learning.members.forms import LoginForm
from learning.members.importers import HEADERS, TEMPLATE_EXAMPLE
from learning.members.middleware import SESSION_KEY
from learning.members.models import RoleAssignment
from learning.members.scoping import (
    managed_members,
    managed_organizations,
    own_member,
    own_user_records,
    public_view,
    require_manager,
    scoped_view,
    subtree_q,
)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        from learning.members.models import Member

        Member.objects.filter(user=self.request.user, password_change_required=True).update(
            password_change_required=False
        )
        self.request.session.pop(SESSION_KEY, None)
        return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@scoped_view
def account(request: HttpRequest) -> HttpResponse:
    member = own_member(request.user)
    roles = own_user_records(RoleAssignment.objects.select_related("organization"), request.user)
    return render(request, "members/account.html", {"member": member, "roles": roles})


@scoped_view
def members(request: HttpRequest) -> HttpResponse:
    """The members a secretary or organizer manages, searchable, paginated."""
    require_manager(request.user, "只有支部书记和组织员可以查看党员名册")
    qs = managed_members(request.user).select_related("branch", "user").order_by("branch__path", pinyin("name"), "pk")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(user__username__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/members.html", {"page": page, "q": q})


@public_view("an empty roster template with one made-up example row: nobody's data")
def member_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response("党员名册模板.xlsx", HEADERS, [TEMPLATE_EXAMPLE], sheet_title="党员名册")


@scoped_view
def member_chooser(request: HttpRequest) -> JsonResponse:
    """Members the user manages, for a chooser: ``?q=`` matches name, username or branch name
    (every word), ``?org=`` narrows to an organization's subtree, ``?page=`` pages by 20."""
    require_manager(request.user, "只有支部书记和组织员可以选择党员")
    qs = managed_members(request.user).filter(is_active=True)
    org_id = parse_id(request.GET.get("org", ""))
    if org_id is not None:
        paths = list(managed_organizations(request.user).filter(pk=org_id).values_list("path", flat=True))
        qs = qs.filter(subtree_q(paths, "branch__")) if paths else qs.none()
    qs = matching(qs, search_terms(request), ("name", "user__username", "branch__name"))
    qs = qs.select_related("branch", "user").order_by(pinyin("name"), "branch__path", "pk")
    return chooser_response(
        request,
        qs,
        lambda m: m.name,
        detail=lambda m: f"{m.branch.name} · {m.user.username}" if m.user_id else m.branch.name,
    )
