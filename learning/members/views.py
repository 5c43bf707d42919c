from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.downloads import xlsx_response
from learning.members.forms import LoginForm
from learning.members.importers import HEADERS, TEMPLATE_EXAMPLE
from learning.members.middleware import SESSION_KEY
from learning.members.scoping import managed_members, scope_for


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


@login_required
def account(request: HttpRequest) -> HttpResponse:
    member = getattr(request.user, "member", None) if hasattr(request.user, "member") else None
    roles = request.user.learning_roles.select_related("organization")
    return render(request, "members/account.html", {"member": member, "roles": roles})


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """The members a secretary or organizer manages, searchable, paginated."""
    scope = scope_for(request.user)
    if not scope.manages_anything:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有支部书记和组织员可以查看党员名册")
    qs = managed_members(request.user).select_related("branch", "user").order_by("branch__path", "name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(user__username__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/members.html", {"page": page, "q": q})


def member_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response("党员名册模板.xlsx", HEADERS, [TEMPLATE_EXAMPLE], sheet_title="党员名册")
