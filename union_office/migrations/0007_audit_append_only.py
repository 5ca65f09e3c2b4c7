"""On PostgreSQL, make the audit table append-only: UPDATE and DELETE of a row are refused.

What stays allowed, and why (docs/reliability.md, "The audit log is append-only"):
- INSERT: every service and view writes entries.
- TRUNCATE: a row trigger does not see it. It empties the whole table at once, never edits one
  entry quietly, and it is what `manage.py flush` and the test database's teardown use.
- A maintenance transaction that sets `union_office.audit_maintenance` to `on` with SET LOCAL
  (`union_office.audit.audit_maintenance()`): for a retention rule or a correction the operators
  decide on. No rule of the app deletes entries today (the roster-export retention keeps them).
- Dropping the schema (`restore --replace`) and pg_restore, which creates the trigger after it
  has loaded the rows.

On SQLite this migration does nothing: SQLite is the development default, not a production setup.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION union_office_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('union_office.audit_maintenance', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- No percent sign in this text: Django passes the SQL through the driver's placeholder parser.
    RAISE EXCEPTION USING
        MESSAGE = '审计日志只能追加，不能修改或删除：' || TG_OP,
        ERRCODE = 'restrict_violation',
              HINT = 'The audit log is append-only; see docs/reliability.md.';
END;
$$;
CREATE TRIGGER union_office_auditentry_append_only
    BEFORE UPDATE OR DELETE ON union_office_auditentry
    FOR EACH ROW EXECUTE FUNCTION union_office_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS union_office_auditentry_append_only ON union_office_auditentry;
DROP FUNCTION IF EXISTS union_office_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("union_office", "0006_audit_kind_and_unit"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger),
    ]
