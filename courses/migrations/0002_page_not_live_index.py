"""A partial index on Wagtail's page table: the pages that are not live.

Every search masks the searchable pages that are not live (drafts, unpublished pages whose index
update has not run yet; search.indexing.unpublished_page_ids). Without this index that query reads
every page of the searchable types (all 100,000 of them on a large archive); with it, only the
few pages that are not live. A partial index is plain SQL on both SQLite and PostgreSQL. It lives
here, beside the page types it serves, because search's own migrations must stay installable
without Wagtail's (tests/search/test_search_postgres_backend.py migrates only them).
"""

from django.db import migrations

NAME = "search_page_not_live"


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON wagtailcore_page (content_type_id, id) WHERE NOT live",
            f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
