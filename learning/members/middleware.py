from django.shortcuts import redirect
from django.urls import reverse

# Paths a member who must change the initial password may still reach.
_ALLOWED_PREFIXES = ("/account/password/", "/logout/", "/static/", "/media/")
SESSION_KEY = "password_change_required"


def remember_password_change_flag(sender, request, user, **kwargs):
    """Read the flag once at login (connected in ``MembersConfig.ready``) into the session, so requests need no extra query."""
    from learning.members.models import Member

    if request is not None and hasattr(request, "session"):
        if Member.objects.filter(user=user, password_change_required=True).exists():
            request.session[SESSION_KEY] = True
        else:
            request.session.pop(SESSION_KEY, None)


class PasswordChangeRequiredMiddleware:
    """Sends members with an initial (batch) password to the password change page first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(SESSION_KEY)
            and request.user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            return redirect(f"{reverse('password_change')}?required=1")
        return self.get_response(request)
