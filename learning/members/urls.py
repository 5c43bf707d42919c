from django.urls import path

from learning.members import views

app_name = "members"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("org/members/", views.members, name="list"),
    path("choosers/members/", views.member_chooser, name="chooser"),
    path("org/members/template.xlsx", views.member_import_template, name="import_template"),
]
