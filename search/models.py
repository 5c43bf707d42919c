"""The archive index as a table, for the PostgreSQL search backend (search/backends/postgres.py).

One row per indexed page. The analysis happens in Python (the same jieba terms and
character bigrams as the whoosh index); PostgreSQL stores them in ``tsvector``
columns built from explicit lexemes (the ``simple`` configuration never re-analyses
them) behind GIN indexes, created by migration 0002 on PostgreSQL only. On SQLite
the table exists but stays empty (the whoosh backend is used there).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class IndexEntry(models.Model):
    page_id = models.BigIntegerField(primary_key=True)
    path = models.CharField(max_length=255)
    type = models.CharField(max_length=50)
    title = models.TextField()
    url = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    tags = models.JSONField(default=list)  # as written, for display
    tag_keys = models.JSONField(default=list)  # folded, for the tag filter and facet
    date = models.DateField(null=True)
    year = models.IntegerField(null=True)
    fingerprint = models.CharField(max_length=32)
    # Every text field folded (width, case), one per line: the exact check behind a bigram match.
    content = models.TextField(blank=True)
    # jieba terms with positions, weighted by field (A title, B tags, C headings and summary, D body).
    words = SearchVectorField(null=True)
    # The set of character bigrams of every text field (positions are not needed: `content` confirms).
    grams = SearchVectorField(null=True)
    # The whole-title keys (a query that is exactly a title ranks it first).
    keys = SearchVectorField(null=True)

    class Meta:
        db_table = "search_index_entry"
        verbose_name = "检索索引条目"
        verbose_name_plural = "检索索引条目"

    def __str__(self) -> str:
        return self.title
