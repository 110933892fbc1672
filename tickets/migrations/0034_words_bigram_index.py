"""One index for the admin's substring search of ticket words (``~words``), down to two characters.

Chinese fault words are mostly two characters (屏幕, 漏水, 黑屏). A trigram index cannot narrow a
two-character substring (it holds no whole trigram), so such a search read the whole table. On
PostgreSQL, with no extension beyond those installed, the index is a GIN over the character pairs
(bigrams) of the lower-cased title and description, built from an expression: PostgreSQL computes
it on every insert and update, whichever way the row is written (a form, the intake API, an import,
a bulk insert), so nothing is filled row by row, and the build is a single pass over the table,
concurrent with writes. Every substring of two or more characters is served by the same index, so
it replaces the two trigram indexes (one GIN index to maintain on writes instead of two).

SQLite needs none of it: the search there is a plain substring filter.
"""

from django.db import migrations

#: The distinct character pairs of the lower-cased text, in one pass however long the text is
#: (``substr`` per position would walk a multibyte string from its start every time). ``lower`` is
#: the very function ILIKE applies to both sides, so every pair of a matching word is in the set.
FUNCTION = """
CREATE OR REPLACE FUNCTION text_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT pair), '{}')
    FROM (SELECT c || pg_catalog.lead(c) OVER (ORDER BY n) AS pair
          FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.lower($1), NULL))
               WITH ORDINALITY AS chars(c, n)) AS pairs
    WHERE pair IS NOT NULL
$$
"""
INDEX = "ticket_words_bigram_idx"
TRIGRAM = [
    ("ticket_title_trgm_idx", "tickets_ticket", "title gin_trgm_ops"),
    ("ticket_description_trgm_idx", "tickets_ticket", "description gin_trgm_ops"),
]


def bigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    # A concurrent build that failed (a deadlock, a cancelled deploy) leaves an invalid index behind,
    # which IF NOT EXISTS would keep: it is built again.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [INDEX])
        row = cursor.fetchone()
    if row and row[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY {INDEX}")
    # CONCURRENTLY: a big table keeps taking tickets while the index is built.
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON tickets_ticket "
                          f"USING gin ((text_bigrams(title) || text_bigrams(description)))")
    for name, _table, _column in TRIGRAM:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def bigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin ({column})")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute("DROP FUNCTION IF EXISTS text_bigrams(text)")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("tickets", "0033_centre_monthly_heatmap"),
    ]

    operations = [
        migrations.RunPython(bigram_index_create, bigram_index_drop),
    ]
