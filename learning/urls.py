from django.contrib.auth import views as auth_views
from django.urls import path

from learning import views
from learning.certificates import views as certificate_views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("account/", views.account, name="account"),
    path("org/members/", views.members, name="org_members"),
    path("org/members/template.xlsx", views.member_import_template, name="member_import_template"),
    path("verify/<str:code>", certificate_views.verify, name="certificate_verify"),
    path("certificates/", certificate_views.my_certificates, name="my_certificates"),
    path("certificates/<str:code>.pdf", certificate_views.certificate_pdf, name="certificate_pdf"),
]
