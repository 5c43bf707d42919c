from django.shortcuts import redirect
from django.urls import reverse

# Paths a member who must change the initial password may still reach.
_ALLOWED_PREFIXES = ("/account/password/", "/logout/", "/static/", "/media/")


class PasswordChangeRequiredMiddleware:
    """Sends members with an initial (batch) password to the password change page first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and _must_change(user)
        ):
            return redirect(f"{reverse('password_change')}?required=1")
        return self.get_response(request)


def _must_change(user) -> bool:
    member = getattr(user, "member", None) if hasattr(user, "member") else None
    return bool(member and member.password_change_required)
