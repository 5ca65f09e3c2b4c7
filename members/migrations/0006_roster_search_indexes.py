"""Indexes for the roster's search box (members.filters.MemberFilter.search), PostgreSQL only.

The search is one OR over four columns: 姓名 contains, 会员编号 equals (any case), 手机号 ends with,
masked 身份证号 ends with. PostgreSQL can combine indexes for an OR (BitmapOr) only when every arm
has one; without them a county-wide search read all 100,000 members three times (count, page,
statistics: ~80 ms of SQL, docs/performance.md). "Ends with" is searched as the reversed column
starting with the reversed digits, which a btree serves. Not declared in Member.Meta: a GIN index
and expression opclasses have no SQLite equivalent, and the embedded SQLite database needs none.

Each index costs the 100,000-row import about 0.2-0.4 s of index maintenance (bench/).
"""

from django.db import migrations

INDEXES = {
    "member_name_trgm_idx": "USING gin (name gin_trgm_ops)",
    "member_no_upper_idx": "(UPPER(member_no))",
    "member_phone_reversed_idx": "(REVERSE(phone) text_pattern_ops)",
    "member_masked_reversed_idx": "(REVERSE(id_number_masked) text_pattern_ops)",
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON members_member {definition}")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_membership_change_scheduled"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
