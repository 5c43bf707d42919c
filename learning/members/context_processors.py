from learning.members.scoping import scope_for_navigation


def current_member(request):
    """Expose the logged-in user's member profile and scope to templates, lazily."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def member():
        return getattr(user, "member", None) if hasattr(user, "member") else None

    return {"current_member": member, "user_scope": lambda: scope_for_navigation(user)}
