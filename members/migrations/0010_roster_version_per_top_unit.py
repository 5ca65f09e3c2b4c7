"""The roster's version per top-level unit, beside the global one (issue 23).

With one version for the whole roster, a write anywhere made every unit's cached statistics and
counts stale: in a province, every county recounted after any one member changed anywhere. Now a
write also moves the version of the top-level unit (the first level below the root: a county in a
city, a 基层工会 in a county) it touched, and a scope that lies inside top-level units reads only
theirs (members.selectors.roster_versions). A scope that holds the root still reads the global one.

The top-level units share BUCKETS versions by their id (id % BUCKETS): fixed, created here, so no
trigger ever runs DDL. Two units in one bucket only invalidate each other's cache now and then.

- PostgreSQL: one sequence per bucket, moved by statement-level triggers that read the statement's
  transition tables (the importer's 100,000-row COPY pays one join, not 100,000 calls); a sequence
  takes no row lock, so writers never wait on each other, as in migration 0007. An UPDATE that moves
  members between units moves both sides.
- SQLite: one row per bucket, moved by row triggers. They name members_orgunit, so a later
  migration that makes SQLite rebuild that table (adding or altering one of its fields) fails with
  "error in trigger members_roster_units_insert": such a migration drops these three triggers
  first and creates them again after (SQLITE_REVERSE[:3] and SQLITE[2:] below).
"""

from django.db import migrations

BUCKETS = 64
WIDTH = 7  # members.models.PATH_SEGMENT_WIDTH when this was written: paths are "0000001/0000005/…"
# The bucket of a unit's top-level ancestor: the second path segment, or the root's own (depth 0).
TOP_ID = (
    f"CAST(CASE WHEN length(u.path) > {WIDTH + 1} THEN substr(u.path, {WIDTH + 2}, {WIDTH})"
    f" ELSE substr(u.path, 1, {WIDTH}) END AS integer)"
)
# mod(), not %: the statements go through the driver, where % starts a placeholder.
BUCKET = f"mod({TOP_ID}, {BUCKETS})"

POSTGRESQL = (
    "".join(f"CREATE SEQUENCE IF NOT EXISTS members_roster_version_{n};\n" for n in range(BUCKETS))
    + f"""
CREATE OR REPLACE FUNCTION members_roster_units_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bucket integer;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        FOR bucket IN SELECT generate_series(0, {BUCKETS - 1}) LOOP
            PERFORM nextval('members_roster_version_' || bucket);
        END LOOP;
        RETURN NULL;
    END IF;
    FOR bucket IN
        SELECT DISTINCT {BUCKET}
        FROM members_orgunit u
        WHERE u.id IN (
            SELECT org_unit_id FROM members_roster_new WHERE TG_OP IN ('INSERT', 'UPDATE')
            UNION
            SELECT org_unit_id FROM members_roster_old WHERE TG_OP IN ('UPDATE', 'DELETE')
        )
    LOOP
        PERFORM nextval('members_roster_version_' || bucket);
    END LOOP;
    RETURN NULL;
END $$;
"""
)


# A trigger with transition tables handles one event; the function reads the tables its event has.
# An INSERT trigger has no OLD TABLE: the function's UNION still names it, so INSERT and DELETE get
# functions of their own below.
def _one_table_function(name: str, table: str) -> str:
    """The function of a trigger whose event has one transition table (INSERT: new, DELETE: old)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bucket integer;
BEGIN
    FOR bucket IN
        SELECT DISTINCT {BUCKET} FROM members_orgunit u WHERE u.id IN (SELECT org_unit_id FROM {table})
    LOOP
        PERFORM nextval('members_roster_version_' || bucket);
    END LOOP;
    RETURN NULL;
END $$;
"""


POSTGRESQL_TRIGGERS = (
    _one_table_function("members_roster_units_inserted", "members_roster_new")
    + _one_table_function("members_roster_units_deleted", "members_roster_old")
    + """
CREATE TRIGGER members_roster_units_inserted AFTER INSERT ON members_member
    REFERENCING NEW TABLE AS members_roster_new
    FOR EACH STATEMENT EXECUTE FUNCTION members_roster_units_inserted();
CREATE TRIGGER members_roster_units_updated AFTER UPDATE ON members_member
    REFERENCING OLD TABLE AS members_roster_old NEW TABLE AS members_roster_new
    FOR EACH STATEMENT EXECUTE FUNCTION members_roster_units_changed();
CREATE TRIGGER members_roster_units_deleted AFTER DELETE ON members_member
    REFERENCING OLD TABLE AS members_roster_old
    FOR EACH STATEMENT EXECUTE FUNCTION members_roster_units_deleted();
CREATE TRIGGER members_roster_units_truncated AFTER TRUNCATE ON members_member
    FOR EACH STATEMENT EXECUTE FUNCTION members_roster_units_changed();
"""
)
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS members_roster_units_inserted ON members_member;
DROP TRIGGER IF EXISTS members_roster_units_updated ON members_member;
DROP TRIGGER IF EXISTS members_roster_units_deleted ON members_member;
DROP TRIGGER IF EXISTS members_roster_units_truncated ON members_member;
DROP FUNCTION IF EXISTS members_roster_units_inserted();
DROP FUNCTION IF EXISTS members_roster_units_deleted();
DROP FUNCTION IF EXISTS members_roster_units_changed();
""" + "".join(f"DROP SEQUENCE IF EXISTS members_roster_version_{n};\n" for n in range(BUCKETS))

_SQLITE_BUMP = (
    "UPDATE members_roster_bucket SET value = value + 1 WHERE bucket = "
    f"(SELECT {TOP_ID} - {BUCKETS} * ({TOP_ID} / {BUCKETS}) FROM members_orgunit u WHERE u.id = {{row}}.org_unit_id);"
)
SQLITE = [
    "CREATE TABLE members_roster_bucket (bucket integer PRIMARY KEY, value integer NOT NULL)",
    f"WITH RECURSIVE n(b) AS (SELECT 0 UNION ALL SELECT b + 1 FROM n WHERE b < {BUCKETS - 1}) "
    "INSERT INTO members_roster_bucket (bucket, value) SELECT b, 0 FROM n",
    "CREATE TRIGGER members_roster_units_insert AFTER INSERT ON members_member BEGIN "
    + _SQLITE_BUMP.format(row="NEW")
    + " END",
    "CREATE TRIGGER members_roster_units_update AFTER UPDATE ON members_member BEGIN "
    + _SQLITE_BUMP.format(row="OLD")
    + " "
    + _SQLITE_BUMP.format(row="NEW")
    + " END",
    "CREATE TRIGGER members_roster_units_delete AFTER DELETE ON members_member BEGIN "
    + _SQLITE_BUMP.format(row="OLD")
    + " END",
]
SQLITE_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS members_roster_units_{event}" for event in ("insert", "update", "delete")),
    "DROP TABLE IF EXISTS members_roster_bucket",
]


def create_versions(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in [POSTGRESQL, POSTGRESQL_TRIGGERS] if postgresql else SQLITE:
        schema_editor.execute(statement)


def drop_versions(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in [POSTGRESQL_REVERSE] if postgresql else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_orgunit_contact_phone"),
        ("members", "0009_orgunit_merged_into_rolegrant_ends_on"),
        ("members", "0009_orgunit_single_officer"),
    ]

    operations = [
        migrations.RunPython(create_versions, drop_versions, elidable=False),
    ]
