from django.urls import path

from learning.hours import views

app_name = "hours"

urlpatterns = [
    path("study/start/", views.study_start, name="study_start"),
    path("study/report/", views.study_report, name="study_report"),
    path("record/", views.record, name="record"),
    path("record/export.xlsx", views.record_xlsx, name="record_xlsx"),
    path("record/<id:member_id>/", views.record, name="record_member"),
    path("record/<id:member_id>/export.xlsx", views.record_xlsx, name="record_member_xlsx"),
    path("record/<id:member_id>/correct/", views.record_correct, name="record_correct"),
    path("offline/", views.offline_list, name="offline_list"),
    path("offline/new/<id:branch_id>/", views.offline_new, name="offline_new"),
    path("offline/<id:session_id>/", views.offline_detail, name="offline_detail"),
]
