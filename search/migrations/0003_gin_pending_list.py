"""A short pending list for the GIN indexes of the index table (PostgreSQL only).

GIN's fast update queues new entries in a pending list (up to ``gin_pending_list_limit``, 4 MB by
default) that every search scans in full until it is merged: after a rebuild of 10,000 rows the
lists held 330–500 pages per index, and a title-key lookup that found nothing took 9 ms. 64 kB keeps
what a search scans small while a publish still writes to the list, not to the tree.
"""

from django.db import migrations

INDEXES = ("search_index_entry_words_gin", "search_index_entry_grams_gin", "search_index_entry_keys_gin")
PENDING_LIST_KB = 64


def shorten(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index_entry_gin")]

    operations = [migrations.RunPython(shorten, restore)]
