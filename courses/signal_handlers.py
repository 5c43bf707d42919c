"""Drop the archive's cached tag and result counts when its content changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import TheoryMaterialPage, bump_archive_cache, bump_nav_cache
from courses.signals import archive_imported


def _bump(sender=None, **kwargs) -> None:
    bump_archive_cache()


def _bump_nav(sender=None, instance=None, **kwargs) -> None:
    if isinstance(instance, Page | Site):
        bump_nav_cache()


def _bump_nav_moved(sender=None, **kwargs) -> None:
    bump_nav_cache()


def register() -> None:
    # post_save covers pages created or edited in code (imports, tests) as well as in the admin.
    for signal in (page_published, page_unpublished, post_save, post_delete):
        signal.connect(_bump, sender=TheoryMaterialPage, dispatch_uid=f"courses-archive-cache-{id(signal)}")
    post_page_move.connect(_bump, dispatch_uid="courses-archive-cache-move")
    archive_imported.connect(_bump, dispatch_uid="courses-archive-cache-import")
    # The site menu's entries (courses_nav): any page saved, deleted or moved (a parent's slug is in its
    # children's URLs), any site changed. post_save is sent with each page's own class, hence no sender.
    post_save.connect(_bump_nav, dispatch_uid="courses-nav-cache-save")
    post_delete.connect(_bump_nav, dispatch_uid="courses-nav-cache-delete")
    post_page_move.connect(_bump_nav_moved, dispatch_uid="courses-nav-cache-move")
