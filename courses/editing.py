"""One writer at a time per page in the Wagtail editor.

The lost publish: Wagtail 8's editor autosaves a draft 0.5 s after each change. A reader
clicked 发布 two seconds after typing, so an autosave and the publish were in flight together:

1. the autosave loaded the page (``live=False``) and checked its revision was the latest;
2. the publish committed (``live=True``, a new revision; the index task added the page);
3. the autosave saved the form: ``form.save()`` writes every column of the instance it loaded
   in step 1, so ``live``, ``live_revision`` and ``last_published_at`` went back to the draft's.

The editor said 「已经发布」, the page stayed a draft, and search counted a page it could not
list. Wagtail's own out-of-date check (step 1) cannot see a publish that commits after it.

The fix: every POST that writes a page through the editor (save, autosave, publish, workflow
actions, unpublish, revert) runs in one transaction that first takes the page's row lock, so
the view loads the page only after the other write committed. The later autosave then sees the
publish's revision and gets Wagtail's own conflict answer (「保存会覆盖较新的版本」) instead of
overwriting it. PostgreSQL: ``SELECT … FOR UPDATE`` on the page row. SQLite: the settings open
every transaction with ``BEGIN IMMEDIATE``, which takes the database's write lock at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from wagtail.models import Page

# The page editor's URL names that write a page (wagtail/admin/urls/pages.py).
WRITING_VIEWS = frozenset(
    {"edit", "unpublish", "workflow_action", "revisions_revert", "revisions_unschedule", "delete", "move_confirm"}
)


def locks_page(request: HttpRequest) -> int | None:
    """The page id whose row this request must lock, or None."""
    match = getattr(request, "resolver_match", None)
    if request.method != "POST" or match is None or match.namespace != "wagtailadmin_pages":
        return None
    if match.url_name not in WRITING_VIEWS:
        return None
    page_id = match.kwargs.get("page_id")
    return int(page_id) if page_id is not None else None


class SerialPageEditsMiddleware:
    """Runs the page editor's writing views one at a time per page (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        page_id = locks_page(request)
        if page_id is None:
            return None
        with transaction.atomic():
            # Taken before the view reads anything: it loads the page as the last writer left it.
            list(Page.objects.select_for_update().filter(pk=page_id).values_list("pk", flat=True))
            response = view_func(request, *view_args, **view_kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                response = render()
        return response
