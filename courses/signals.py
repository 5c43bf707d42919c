"""Signals of the courses app.

``archive_imported(sender, page_ids)``: sent once after ``import_archive`` created or
updated theory materials in bulk (the per-page publish signals are not sent for new
pages, see courses/importers/archive.py). Receivers such as the search index can
index ``page_ids`` in one go.
"""

from django.dispatch import Signal

archive_imported = Signal()
