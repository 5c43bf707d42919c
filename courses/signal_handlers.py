"""Drop the archive's cached tag and result counts when its content changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import TheoryMaterialPage, bump_archive_cache
from courses.signals import archive_imported


def _bump(sender=None, **kwargs) -> None:
    bump_archive_cache()


def register() -> None:
    # post_save covers pages created or edited in code (imports, tests) as well as in the admin.
    for signal in (page_published, page_unpublished, post_save, post_delete):
        signal.connect(_bump, sender=TheoryMaterialPage, dispatch_uid=f"courses-archive-cache-{id(signal)}")
    post_page_move.connect(_bump, dispatch_uid="courses-archive-cache-move")
    archive_imported.connect(_bump, dispatch_uid="courses-archive-cache-import")
