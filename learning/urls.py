from django.contrib.auth import views as auth_views
from django.urls import path

from learning import views, views_hours
from learning.certificates import views as certificate_views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        views.PasswordChangeView.as_view(),
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

# Branch evaluations (支部考评)
from learning import views_evaluations as ev  # noqa: E402

urlpatterns += [
    path("evaluations/", ev.home, name="evaluations"),
    path("evaluations/schemes/new/", ev.scheme_create, name="evaluation_scheme_create"),
    path("evaluations/schemes/<int:pk>/", ev.scheme_detail, name="evaluation_scheme"),
    path("evaluations/schemes/<int:pk>/edit/", ev.scheme_edit, name="evaluation_scheme_edit"),
    path("evaluations/schemes/<int:pk>/run/", ev.scheme_run, name="evaluation_scheme_run"),
    path("evaluations/schemes/<int:pk>/adjustments/", ev.adjustment_add, name="evaluation_adjustment_add"),
    path("evaluations/adjustments/<int:pk>/withdraw/", ev.adjustment_withdraw, name="evaluation_adjustment_withdraw"),
    path("evaluations/runs/<int:pk>/", ev.run_detail, name="evaluation_run"),
    path("evaluations/runs/<int:pk>/publish/", ev.run_publish, name="evaluation_run_publish"),
    path("evaluations/runs/<int:pk>/export.xlsx", ev.run_export_xlsx, name="evaluation_run_xlsx"),
    path("evaluations/runs/<int:pk>/export.pdf", ev.run_export_pdf, name="evaluation_run_pdf"),
    path("evaluations/runs/<int:pk>/branches/<int:branch_id>/", ev.branch_result, name="evaluation_branch"),
    path("evaluations/notices/<int:pk>/", ev.notice, name="evaluation_notice"),
]

# Study plans and the branch secretary's workbench (learning/views_workbench.py).
from learning import views_workbench as wb  # noqa: E402

urlpatterns += [
    path("plans/", wb.my_plans, name="my_plans"),
    path("notifications/", wb.notifications, name="notifications"),
    path("notifications/read/", wb.notifications_read, name="notifications_read"),
    path("workbench/", wb.workbench, name="workbench"),
    path("workbench/branch/<int:org_id>/", wb.workbench_branch, name="workbench_branch"),
    path("workbench/branch/<int:org_id>/export.xlsx", wb.workbench_branch_export, name="workbench_branch_export"),
    path("workbench/org/<int:org_id>/", wb.workbench_subtree, name="workbench_subtree"),
    path("workbench/org/<int:org_id>/export.xlsx", wb.workbench_subtree_export, name="workbench_subtree_export"),
    path("workbench/plans/new/", wb.plan_new, name="plan_new"),
    path("workbench/plans/<int:plan_id>/", wb.plan_detail, name="workbench_plan"),
    path("workbench/plans/<int:plan_id>/remind/", wb.plan_remind, name="plan_remind"),
    path("workbench/plans/<int:plan_id>/export.xlsx", wb.plan_export, name="plan_export"),
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
