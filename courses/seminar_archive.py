"""The theory archive as seminars need it (learning.seminars.archive): material texts for the
originality index, and publishing an 优秀 心得 as a material crediting its author.

Registered from ``CoursesConfig.ready``; the signal receivers queue the originality index's
task after commit, beside the search index's (same path: page published / unpublished /
deleted, bulk import).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models.signals import post_delete
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.models import Page
from wagtail.rich_text import RichText
from wagtail.signals import page_published, page_unpublished

from courses.models import Series, TheoryIndexPage, TheoryMaterialPage, body_text
from courses.signals import archive_imported
from learning.seminars.archive import ArchiveText, PublishRequest


class MaterialTexts:
    """Plain text of live theory materials (title, summary and body)."""

    def texts(self, page_ids: Sequence[int]) -> list[ArchiveText]:
        pages = (
            TheoryMaterialPage.objects.live()
            .filter(pk__in=list(page_ids))
            .only("id", "title", "url_path", "summary", "body", "path", "depth")
        )
        result = []
        for page in pages:
            text = "\n".join(part for part in (page.title, page.summary, body_text(page.body)) if part)
            result.append(ArchiveText(page.pk, page.title, page.url or "", text))
        return result

    def all_page_ids(self) -> Iterable[int]:
        return TheoryMaterialPage.objects.live().order_by("pk").values_list("pk", flat=True)


class ReflectionPublisher:
    """An 优秀 心得 becomes a material of the first theory archive: author credited, topic as 专题."""

    def publish(self, request: PublishRequest) -> tuple[int, str]:
        index = TheoryIndexPage.objects.live().order_by("path").first()
        if index is None:
            raise RuntimeError("没有理论学习栏目，无法收入心得")
        series, _ = Series.objects.get_or_create(
            name=request.topic[:100], defaults={"description": "研讨专题中评为优秀的心得体会"}
        )
        paragraphs = [line.strip() for line in request.body.splitlines() if line.strip()]
        html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        base = (
            slugify(f"reflection-{request.reflection_id}", allow_unicode=True) or f"reflection-{request.reflection_id}"
        )
        slug, n = base, 1
        while Page.objects.filter(path__startswith=index.path, depth=index.depth + 1, slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        page = TheoryMaterialPage(
            title=request.title[:255],
            slug=slug,
            author=request.author[:100],
            source=f"{request.organization}（研讨心得）"[:200],
            original_date=request.date,
            summary=f"{request.author}在研讨专题「{request.topic}」中的心得体会，经审阅评为优秀。",
            series=series,
            body=[("paragraph", RichText(html))],
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        return page.pk, page.url or page.url_path


def _is_material(instance) -> bool:
    return isinstance(instance, TheoryMaterialPage)


def _on_publish_or_unpublish(sender, instance, **kwargs) -> None:
    from learning.seminars.tasks import enqueue_archive_sync

    if _is_material(instance):
        enqueue_archive_sync([instance.pk])


def _on_delete(sender, instance, **kwargs) -> None:
    from learning.seminars.tasks import enqueue_archive_sync

    enqueue_archive_sync([instance.pk])


def _on_archive_imported(sender, page_ids: list[int], **kwargs) -> None:
    from learning.seminars.tasks import enqueue_archive_sync

    enqueue_archive_sync(page_ids)


def register() -> None:
    from learning.seminars.archive import register_archive_publisher, register_archive_text_provider

    register_archive_text_provider(MaterialTexts())
    register_archive_publisher(ReflectionPublisher())
    page_published.connect(_on_publish_or_unpublish, sender=TheoryMaterialPage, dispatch_uid="seminars.published")
    page_unpublished.connect(_on_publish_or_unpublish, sender=TheoryMaterialPage, dispatch_uid="seminars.unpublished")
    post_delete.connect(_on_delete, sender=TheoryMaterialPage, dispatch_uid="seminars.deleted")
    archive_imported.connect(_on_archive_imported, dispatch_uid="seminars.archive_imported")
