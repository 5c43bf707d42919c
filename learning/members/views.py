from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.collation import pinyin
from core.downloads import xlsx_response
from learning.members.forms import LoginForm
from learning.members.importers import HEADERS, TEMPLATE_EXAMPLE
from learning.members.middleware import SESSION_KEY
from learning.members.models import RoleAssignment
from learning.members.scoping import (
    managed_members,
    own_member,
    own_user_records,
    public_view,
    require_manager,
    scoped_view,
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
