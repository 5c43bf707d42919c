"""Keeping the originality index in step with the archive and the handed-in 心得."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from learning.seminars import originality
from learning.seminars.archive import text_providers
from learning.seminars.models import DocumentKind, OriginalityDocument, Reflection, ReflectionMatch


def sync_archive_pages(page_ids: Sequence[int]) -> tuple[int, int]:
    """Index the live materials among ``page_ids``; remove the rest. Returns (updated, removed)."""
    wanted = {int(i) for i in page_ids}
    found: dict[int, object] = {}
    for provider in text_providers():
        for item in provider.texts(sorted(wanted)):
            found[item.page_id] = item
    published_from = dict(
        Reflection.objects.filter(published_page_id__in=list(found)).values_list("published_page_id", "pk")
    )
    for page_id, item in found.items():
        originality.index_document(
            DocumentKind.MATERIAL,
            page_id,
            item.title,
            item.text,
            url=item.url,
            reflection_id=published_from.get(page_id),
        )
    removed = sum(originality.remove_document(DocumentKind.MATERIAL, pid) for pid in wanted - set(found))
    return len(found), removed


def rebuild_archive(batch: int = 200, progress=None) -> int:
    """Index every live material (``manage.py rebuild_originality_index``)."""
    total = 0
    for provider in text_providers():
        ids = list(provider.all_page_ids())
        for start in range(0, len(ids), batch):
            updated, _removed = sync_archive_pages(ids[start : start + batch])
            total += updated
            if progress:
                progress(total)
    return total


def reflection_url(reflection: Reflection) -> str:
    return reverse("seminars:review", args=[reflection.pk])


def _excluded_documents(reflection: Reflection) -> set[int]:
    """The 心得 itself and materials published from it are not sources of it."""
    return set(OriginalityDocument.objects.filter(reflection_id=reflection.pk).values_list("pk", flat=True))


def check_and_index_reflection(reflection_id: int) -> float | None:
    reflection = Reflection.objects.select_related("topic", "member").filter(pk=reflection_id).first()
    if reflection is None or not reflection.body:
        return None
    result = originality.check_text(reflection.body, exclude_ids=_excluded_documents(reflection))
    with transaction.atomic():
        ReflectionMatch.objects.filter(reflection=reflection).delete()
        ReflectionMatch.objects.bulk_create(
            [
                ReflectionMatch(
                    reflection=reflection,
                    document_id=m.document_id,
                    share=m.share,
                    passages=[{"text": p.text, "source": p.source_text} for p in m.passages],
                )
                for m in result.matches
            ]
        )
        Reflection.objects.filter(pk=reflection.pk).update(copied_share=result.share, checked_at=timezone.now())
        originality.index_document(
            DocumentKind.REFLECTION,
            reflection.pk,
            f"{reflection.member.name}：{reflection.topic.title}（心得体会）",
            reflection.body,
            url=reflection_url(reflection),
            reflection_id=reflection.pk,
        )
    return result.share
