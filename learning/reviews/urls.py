from django.urls import path

from learning.reviews import views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.home, name="home"),
    path("reviews/rounds/new/", views.round_create, name="round_create"),
    path("reviews/rounds/<int:round_id>/", views.round_detail, name="round"),
    path("reviews/rounds/<int:round_id>/summary.xlsx", views.round_summary_xlsx, name="round_xlsx"),
    path("reviews/guest/", views.guest_ballot, name="guest_ballot"),
    path("reviews/<int:review_id>/", views.entry, name="entry"),
    path("reviews/<int:review_id>/self/", views.self_assessment, name="self"),
    path("reviews/<int:review_id>/self/autosave/", views.self_autosave, name="self_autosave"),
    path("reviews/<int:review_id>/peers/", views.peers, name="peers"),
    path("reviews/<int:review_id>/ballot/", views.ballot, name="ballot"),
    path("reviews/<int:review_id>/manage/", views.manage, name="manage"),
    path("reviews/<int:review_id>/manage/<slug:step>/", views.manage_step, name="manage_step"),
    path("reviews/<int:review_id>/codes/", views.guest_codes, name="guest_codes"),
    path("reviews/<int:review_id>/grading/", views.grading, name="grading"),
    path("reviews/<int:review_id>/approve/", views.approve, name="approve"),
    path("reviews/<int:review_id>/tally.xlsx", views.tally_xlsx, name="tally_xlsx"),
    path("reviews/<int:review_id>/results.pdf", views.results_pdf, name="results_pdf"),
    path("reviews/rectifications/<int:rectification_id>/", views.rectification, name="rectification"),
]
