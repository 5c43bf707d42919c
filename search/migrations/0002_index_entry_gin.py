"""GIN indexes on the index table's tsvector columns (PostgreSQL only; nothing to do on SQLite)."""

from django.db import migrations

INDEXES = {
    "search_index_entry_words_gin": "words",
    "search_index_entry_grams_gin": "grams",
    "search_index_entry_keys_gin": "keys",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON search_index_entry USING gin ({column})")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_index_entry_path ON search_index_entry (path text_pattern_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*INDEXES, "search_index_entry_path"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index_entry")]

    operations = [migrations.RunPython(create, drop)]
