"""Full-text index over the jieba-segmented article text, PostgreSQL only.

The expression matches what ``knowledge.search`` filters on (Django's SearchVector with the
'simple' config), so the planner can use the GIN index. SQLite has no such index; the search
module falls back to token containment there.
"""

from django.db import migrations

INDEX = "knowledge_article_fts_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON knowledge_article "
        "USING gin (to_tsvector('simple'::regconfig, COALESCE(segmented_text, '')))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_kb_versions_diagnosis")]

    operations = [migrations.RunPython(create_index, drop_index)]
