"""The roster's version: a number the database moves on every write to members_member.

The roster list caches each view's count and statistics under it (members/stats.py), and the
dashboard its head counts, so a view is counted once per change of the roster instead of on every
page. It is kept by the database, not by the code, because members are written by many paths that
send no signal: the importer's COPY and UPDATE … FROM, queryset updates, the admin, data
migrations, a restore.

- PostgreSQL: a sequence moved by a statement-level trigger (one nextval per INSERT, UPDATE,
  DELETE or TRUNCATE statement, however many rows: the 100,000-row COPY pays once). A sequence
  takes no row lock, so concurrent writers never wait on each other or deadlock over it. It moves
  when the statement runs, before its transaction commits: a page counted in that window is cached
  under the new number with the old figures; the cache's timeout (members.stats.STATS_CACHE_SECONDS)
  bounds how long (docs/performance.md).
- SQLite (the embedded demo and the tests without DATABASE_URL): one row in a table, moved by row
  triggers (SQLite has no statement triggers or sequences; it has one writer at a time anyway).
"""

from django.db import migrations

POSTGRESQL = """
CREATE SEQUENCE IF NOT EXISTS members_roster_version;
CREATE OR REPLACE FUNCTION members_roster_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('members_roster_version');
    RETURN NULL;
END $$;
CREATE TRIGGER members_roster_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members_member
    FOR EACH STATEMENT EXECUTE FUNCTION members_roster_changed();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS members_roster_changed ON members_member;
DROP FUNCTION IF EXISTS members_roster_changed();
DROP SEQUENCE IF EXISTS members_roster_version;
"""
SQLITE = [
    "CREATE TABLE members_roster_version (id integer PRIMARY KEY CHECK (id = 1), value integer NOT NULL)",
    "INSERT INTO members_roster_version (id, value) VALUES (1, 0)",
    *(
        f"CREATE TRIGGER members_roster_changed_{event.lower()} AFTER {event} ON members_member "
        "BEGIN UPDATE members_roster_version SET value = value + 1 WHERE id = 1; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]
SQLITE_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS members_roster_changed_{event}" for event in ("insert", "update", "delete")),
    "DROP TABLE IF EXISTS members_roster_version",
]


def create_version(apps, schema_editor):
    statements = [POSTGRESQL] if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def drop_version(apps, schema_editor):
    statements = [POSTGRESQL_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_roster_search_indexes"),
    ]

    operations = [
        migrations.RunPython(create_version, drop_version, elidable=False),
    ]
