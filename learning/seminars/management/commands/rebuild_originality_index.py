"""Index every live archive material and every handed-in 心得 for the originality check."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from learning.seminars import originality
from learning.seminars.indexing import rebuild_archive, reflection_url
from learning.seminars.models import DocumentKind, Reflection, ReflectionStatus


class Command(BaseCommand):
    help = "重建心得查重索引（理论文库全部已发布资料和全部已提交的心得）"

    def handle(self, *args, **options) -> None:
        materials = rebuild_archive(progress=lambda n: self.stdout.write(f"  资料 {n} 篇", ending="\r"))
        count = 0
        reflections = Reflection.objects.exclude(status=ReflectionStatus.DRAFT).exclude(body="")
        for r in reflections.select_related("member", "topic").iterator():
            originality.index_document(
                DocumentKind.REFLECTION,
                r.pk,
                f"{r.member.name}：{r.topic.title}（心得体会）",
                r.body,
                url=reflection_url(r),
                reflection_id=r.pk,
            )
            count += 1
        self.stdout.write(self.style.SUCCESS(f"查重索引已重建：理论文库资料 {materials} 篇，心得 {count} 篇"))
