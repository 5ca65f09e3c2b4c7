"""Name search by one- and two-character grams (PostgreSQL only), in place of trigrams.

Most Chinese names have two or three characters, and clerks type a name or a surname: "张伟",
"王". A trigram index (migration 0006) serves no pattern shorter than three characters, so
`name LIKE '%张伟%'` read all 100,000 members of a county (56 ms a search, docs/performance.md).
This index holds every character and every pair of adjacent characters of each name: "欧阳明" →
{欧, 阳, 明, 欧阳, 阳明}. MemberFilter.search asks for the rows holding all the pairs of what was
typed (the character itself for one character) and keeps LIKE '%…%' to check each candidate, so
the results are those of a plain "contains", only found through the index.

The trigram index goes: the pairs serve every length, and each index costs the 100,000-row import
its own maintenance. pg_trgm itself stays (migration 0006 created it; nothing else needs dropping).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION members_name_grams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    grams text[] := '{}';
    length int := char_length(name);
BEGIN
    FOR i IN 1..length LOOP
        grams := grams || substr(name, i, 1);
        IF i < length THEN
            grams := grams || substr(name, i, 2);
        END IF;
    END LOOP;
    RETURN grams;
END $$
"""


def create_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS member_name_grams_idx ON members_member USING gin (members_name_grams(name))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS member_name_trgm_idx")


def drop_grams_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS member_name_trgm_idx ON members_member USING gin (name gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS member_name_grams_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS members_name_grams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_roster_version"),
    ]

    operations = [
        migrations.RunPython(create_grams_index, drop_grams_index, elidable=False),
    ]
