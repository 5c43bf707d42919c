from django.urls import path

from learning.seminars import views

app_name = "seminars"

urlpatterns = [
    path("seminars/", views.topic_list, name="list"),
    path("seminars/new/", views.topic_new, name="new"),
    path("seminars/<id:topic_id>/", views.topic_detail, name="topic"),
    path("seminars/<id:topic_id>/post/", views.post_create, name="post"),
    path("seminars/<id:topic_id>/moderation/", views.moderation, name="moderation"),
    path("seminars/<id:topic_id>/reflection/", views.reflection_edit, name="reflection"),
    path("seminars/<id:topic_id>/reflection/autosave/", views.reflection_autosave, name="autosave"),
    path("seminars/<id:topic_id>/reviews/", views.review_list, name="reviews"),
    path("seminars/posts/<id:post_id>/like/", views.post_like, name="like"),
    path("seminars/posts/<id:post_id>/report/", views.post_report, name="report"),
    path("seminars/posts/<id:post_id>/moderate/", views.post_moderate, name="moderate"),
    path("seminars/reflections/<id:reflection_id>/", views.review_detail, name="review"),
    path("seminars/reflections/<id:reflection_id>/publish/", views.reflection_publish, name="publish"),
    path("seminars/branch/<id:org_id>/", views.branch_page, name="branch"),
]
