from django.urls import path

from learning.plans import views

app_name = "plans"

urlpatterns = [
    path("plans/", views.my_plans, name="mine"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/branch/<id:org_id>/", views.workbench_branch, name="workbench_branch"),
    path("workbench/branch/<id:org_id>/export.xlsx", views.workbench_branch_export, name="workbench_branch_export"),
    path("workbench/org/<id:org_id>/", views.workbench_subtree, name="workbench_subtree"),
    path("workbench/org/<id:org_id>/export.xlsx", views.workbench_subtree_export, name="workbench_subtree_export"),
    path("workbench/plans/new/", views.plan_new, name="new"),
    path("choosers/study-items/", views.study_item_chooser, name="chooser_study_items"),
    path("workbench/plans/<id:plan_id>/", views.plan_detail, name="detail"),
    path("workbench/plans/<id:plan_id>/remind/", views.plan_remind, name="remind"),
    path("workbench/plans/<id:plan_id>/export.xlsx", views.plan_export, name="export"),
]
