from django.urls import path

from learning.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("evaluations/", views.home, name="home"),
    path("evaluations/schemes/new/", views.scheme_create, name="scheme_create"),
    path("evaluations/schemes/<id:pk>/", views.scheme_detail, name="scheme"),
    path("evaluations/schemes/<id:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("evaluations/schemes/<id:pk>/run/", views.scheme_run, name="scheme_run"),
    path("evaluations/schemes/<id:pk>/adjustments/", views.adjustment_add, name="adjustment_add"),
    path("evaluations/adjustments/<id:pk>/withdraw/", views.adjustment_withdraw, name="adjustment_withdraw"),
    path("evaluations/runs/<id:pk>/", views.run_detail, name="run"),
    path("evaluations/runs/<id:pk>/publish/", views.run_publish, name="run_publish"),
    path("evaluations/runs/<id:pk>/export.xlsx", views.run_export_xlsx, name="run_xlsx"),
    path("evaluations/runs/<id:pk>/export.pdf", views.run_export_pdf, name="run_pdf"),
    path("evaluations/runs/<id:pk>/branches/<id:branch_id>/", views.branch_result, name="branch"),
    path("evaluations/notices/<id:pk>/", views.notice, name="notice"),
]
