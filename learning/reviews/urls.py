from django.urls import path

from learning.reviews import views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.home, name="home"),
    path("reviews/rounds/new/", views.round_create, name="round_create"),
    path("reviews/rounds/<id:round_id>/", views.round_detail, name="round"),
    path("reviews/rounds/<id:round_id>/summary.xlsx", views.round_summary_xlsx, name="round_xlsx"),
    path("reviews/guest/", views.guest_ballot, name="guest_ballot"),
    path("reviews/<id:review_id>/", views.entry, name="entry"),
    path("reviews/<id:review_id>/self/", views.self_assessment, name="self"),
    path("reviews/<id:review_id>/self/autosave/", views.self_autosave, name="self_autosave"),
    path("reviews/<id:review_id>/peers/", views.peers, name="peers"),
    path("reviews/<id:review_id>/ballot/", views.ballot, name="ballot"),
    path("reviews/<id:review_id>/manage/", views.manage, name="manage"),
    path("reviews/<id:review_id>/manage/<slug:step>/", views.manage_step, name="manage_step"),
    path("reviews/<id:review_id>/codes/", views.guest_codes, name="guest_codes"),
    path("reviews/<id:review_id>/grading/", views.grading, name="grading"),
    path("reviews/<id:review_id>/approve/", views.approve, name="approve"),
    path("reviews/<id:review_id>/tally.xlsx", views.tally_xlsx, name="tally_xlsx"),
    path("reviews/<id:review_id>/results.pdf", views.results_pdf, name="results_pdf"),
    path("reviews/rectifications/<id:rectification_id>/", views.rectification, name="rectification"),
]
