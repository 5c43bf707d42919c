"""Sign-in and password URLs under Django's own names (``login``, ``password_change``…),
which ``LOGIN_URL`` and Django's auth views reverse: deliberately outside a namespace."""

from django.contrib.auth import views as auth_views
from django.urls import path

from learning.members import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
]
