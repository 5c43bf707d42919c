"""Import folders of documents as theory material pages (``manage.py import_archive``).

Each file is matched to its page by ``source_path`` (the resolved file path) and
``content_hash`` (SHA-256 of its bytes): new files create pages, changed files update
them, unchanged files are skipped, so re-running never duplicates. Each file is
all-or-nothing (its own savepoint); a file that cannot be read is reported with the
reason and the others still import.

Speed (measured with bench/import_laws.py): new pages are inserted with one save and
one revision row, at the next free tree position kept in memory, without the publish
machinery's per-page log entries and signals; Wagtail's search index is updated in
bulk once per batch instead of on every save, and the reference index is not updated
(imported pages reference nothing but tags). ``archive_imported`` is sent once at the
end with the ids of the created and updated pages, for anyone (e.g. the site's own
search index) who wants to process them in bulk. Updates of existing pages go through
Wagtail's normal revision/publish path.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.models import Page, Revision
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update

from courses.importers.documents import SUPPORTED_SUFFIXES, ParsedDocument, UnreadableFile, parse_file
from courses.models import TheoryIndexPage, TheoryMaterialPage
from courses.signals import archive_imported

BATCH_SIZE = 100
SLUG_MAX = 80
_ASCII_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    page_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.failed)


@dataclass
class SourceFile:
    path: Path
    folder_tags: list[str]


def collect_files(paths: Iterable[Path], result: ImportResult) -> list[SourceFile]:
    """Files to import, in a stable order. Folders are walked; inside a folder, files of
    unsupported types and names starting with "_" or "." (e.g. ``_index.md`` section
    metadata) are ignored. A file named explicitly is always attempted."""
    files: list[SourceFile] = []
    for given in paths:
        if given.is_dir():
            root = given.resolve()
            for path in sorted(root.rglob("*")):
                if not path.is_file():
                    continue
                relative = path.relative_to(root)
                if any(part.startswith((".", "_")) for part in relative.parts) or (
                    path.suffix.lower() not in SUPPORTED_SUFFIXES
                ):
                    result.ignored += 1
                    continue
                files.append(SourceFile(path, list(relative.parts[:-1])))
        elif given.exists():
            files.append(SourceFile(given.resolve(), []))
        else:
            result.failed.append((str(given), "文件或文件夹不存在"))
    return files


@contextlib.contextmanager
def bulk_indexing() -> Iterator[None]:
    """Stop Wagtail's search index from updating on every save; the importer indexes each batch in bulk."""
    from modelsearch.signal_handlers import post_save_signal_handler

    disconnected = post_save.disconnect(post_save_signal_handler, sender=TheoryMaterialPage)
    try:
        yield
    finally:
        if disconnected:
            post_save.connect(post_save_signal_handler, sender=TheoryMaterialPage)


class ArchiveImporter:
    def __init__(
        self,
        parent: TheoryIndexPage,
        *,
        publish: bool = False,
        tags_from_folders: bool = False,
        progress: Callable[[int, int, float], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.parent = parent
        self.publish = publish
        self.tags_from_folders = tags_from_folders
        self.progress = progress
        self.batch_size = batch_size
        self._tags: dict[str, Tag] = {}
        self._slugs: set[str] = set()

    def run(self, paths: Iterable[Path]) -> ImportResult:
        started = time.monotonic()
        result = ImportResult()
        files = collect_files(paths, result)
        self._slugs = set(Page.objects.child_of(self.parent).values_list("slug", flat=True))
        self._last_step = None
        for start in range(0, len(files), self.batch_size):
            batch = files[start : start + self.batch_size]
            # One transaction per batch (one commit, not one per file); every file has its own savepoint.
            with transaction.atomic(), bulk_indexing(), disable_reference_index_auto_update():
                known = {
                    source_path: (pk, content_hash)
                    for source_path, pk, content_hash in TheoryMaterialPage.objects.filter(
                        source_path__in=[str(item.path) for item in batch]
                    ).values_list("source_path", "pk", "content_hash")
                }
                first_new = len(result.page_ids)
                for item in batch:
                    self._import_file(item, known.get(str(item.path)), result)
                self._index(result.page_ids[first_new:])
            if self.progress:
                self.progress(min(start + len(batch), len(files)), len(files), time.monotonic() - started)
        result.seconds = time.monotonic() - started
        if result.page_ids:
            archive_imported.send(sender=ArchiveImporter, page_ids=list(result.page_ids))
        return result

    def _import_file(self, item: SourceFile, known: tuple[int, str] | None, result: ImportResult) -> None:
        try:
            raw = item.path.read_bytes()
        except OSError as exc:
            result.failed.append((str(item.path), f"无法读取文件：{exc.strerror or exc}"))
            return
        content_hash = hashlib.sha256(raw).hexdigest()
        if known is not None and known[1] == content_hash:
            result.unchanged += 1
            return
        try:
            document = parse_file(item.path, raw)
            tags = self._tag_objects(item.folder_tags if self.tags_from_folders else [])
            with transaction.atomic():
                if known is None:
                    page = self._create(item, document, content_hash, tags)
                    result.created += 1
                else:
                    page = self._update(known[0], document, content_hash, tags)
                    result.updated += 1
            result.page_ids.append(page.pk)
        except UnreadableFile as exc:
            result.failed.append((str(item.path), str(exc)))
        except ValidationError as exc:
            result.failed.append((str(item.path), "内容校验失败：" + "；".join(exc.messages)))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others; its savepoint rolled back
            result.failed.append((str(item.path), f"导入失败：{type(exc).__name__}: {exc}"))

    def _index(self, page_ids: list[int]) -> None:
        if not page_ids:
            return
        pages = list(TheoryMaterialPage.objects.filter(pk__in=page_ids).prefetch_related("tags"))
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(TheoryMaterialPage, pages)

    def _insert_child(self, page: TheoryMaterialPage) -> None:
        """treebeard's add_child without its per-page parent lock and last-child lookup:
        the next free position under the parent is kept in memory for the run."""
        parent = self.parent
        if self._last_step is None:
            last = (
                Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
            self._last_step = Page._str2int(last[-Page.steplen :]) if last else 0
        self._last_step += 1
        page.depth = parent.depth + 1
        page.path = Page._get_path(parent.path, page.depth, self._last_step)
        page.numchild = 0
        # Our own values are valid by construction (title length, unique slug among siblings).
        page.save(clean=False)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)

    def _tag_objects(self, names: list[str]) -> list[Tag]:
        tags = []
        for name in names:
            name = name.strip()[:100]
            if not name:
                continue
            if name not in self._tags:
                tag = Tag.objects.filter(name=name).first()
                if tag is None:
                    # The savepoint keeps a failed tag insert (e.g. a slug clash) from breaking the batch.
                    with transaction.atomic():
                        tag = Tag.objects.create(name=name)
                self._tags[name] = tag
            tags.append(self._tags[name])
        return tags

    def _unique_slug(self, title: str, path: Path | None = None) -> str:
        # A file already named like a slug (five-disciplines.md) keeps its name in the URL;
        # otherwise the title gives it (Chinese slugs are valid Wagtail slugs).
        stem = path.stem.lower() if path is not None else ""
        if stem and _ASCII_SLUG.fullmatch(stem):
            base = stem[:SLUG_MAX].strip("-")
        else:
            base = slugify(title, allow_unicode=True)[:SLUG_MAX].strip("-") or "material"
        slug, number = base, 1
        while slug in self._slugs:
            number += 1
            slug = f"{base}-{number}"
        return slug

    def _fill(self, page: TheoryMaterialPage, document: ParsedDocument, content_hash: str, tags: list[Tag]) -> None:
        page.title = page.draft_title = document.title
        page.original_date = document.original_date
        page.summary = document.summary
        page.body = document.body
        page.content_hash = content_hash
        page.tags.set(tags)

    def _create(
        self, item: SourceFile, document: ParsedDocument, content_hash: str, tags: list[Tag]
    ) -> TheoryMaterialPage:
        now = timezone.now()
        page = TheoryMaterialPage(
            slug=self._unique_slug(document.title, Path(item.path)),
            source_path=str(item.path),
            live=self.publish,
            has_unpublished_changes=not self.publish,
            first_published_at=now if self.publish else None,
            last_published_at=now if self.publish else None,
        )
        self._fill(page, document, content_hash, tags)
        self._insert_child(page)
        self._slugs.add(page.slug)
        # A single revision, as the editor's "save" or "publish" would have left it.
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            content=page.serializable_data(),
            object_str=str(page),
            created_at=now,
        )
        Page.objects.filter(pk=page.pk).update(
            latest_revision=revision, live_revision=revision if self.publish else None
        )
        return page

    def _update(self, pk: int, document: ParsedDocument, content_hash: str, tags: list[Tag]) -> TheoryMaterialPage:
        page = TheoryMaterialPage.objects.get(pk=pk)
        self._fill(page, document, content_hash, tags)
        page.save()
        revision = page.save_revision(log_action=True)
        if page.live or self.publish:
            revision.publish()
        return page
