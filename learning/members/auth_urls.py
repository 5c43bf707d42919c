"""Sign-in and password URLs under Django's own names (``login``, ``password_change``…),
which ``LOGIN_URL`` and Django's auth views reverse: deliberately outside a namespace."""

from django.contrib.auth import views as auth_views
from django.urls import path

from learning.members import views
from learning.members.scoping import public_view

# Signing in and out and changing one's own password touch no one else's data: public for the
# scoping audit (Django's password views require the login themselves).
_AUTH = "authentication: signing in and out, the signed-in user's own password"

urlpatterns = [
    path("login/", public_view(_AUTH)(views.LoginView.as_view()), name="login"),
    path("logout/", public_view(_AUTH)(auth_views.LogoutView.as_view()), name="logout"),
    path("account/password/", public_view(_AUTH)(views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "account/password/done/",
        public_view(_AUTH)(
            auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html")
        ),
        name="password_change_done",
    ),
]
