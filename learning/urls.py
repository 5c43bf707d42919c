from django.contrib.auth import views as auth_views
from django.urls import path

from learning import views, views_hours

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
    # study hours (学时)
    path("study/start/", views_hours.study_start, name="study_start"),
    path("study/report/", views_hours.study_report, name="study_report"),
    path("record/", views_hours.record, name="study_record"),
    path("record/export.xlsx", views_hours.record_xlsx, name="study_record_xlsx"),
    path("record/<int:member_id>/", views_hours.record, name="study_record_member"),
    path("record/<int:member_id>/export.xlsx", views_hours.record_xlsx, name="study_record_member_xlsx"),
    path("record/<int:member_id>/correct/", views_hours.record_correct, name="study_record_correct"),
    path("offline/", views_hours.offline_list, name="offline_list"),
    path("offline/new/<int:branch_id>/", views_hours.offline_new, name="offline_new"),
    path("offline/<int:session_id>/", views_hours.offline_detail, name="offline_detail"),
]
