"""Issue 23: DATABASE_DISABLE_SERVER_SIDE_CURSORS, for PgBouncer in transaction pooling (here beside
the members it iterates: the kernel's tests may not import an app)."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from members.models import Member
from members.tests.factories import MemberFactory


def database_settings(**environ: str) -> str:
    code = "from django.conf import settings; print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "union_office.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_setting_comes_from_the_environment():
    url = "postgres://union@127.0.0.1:5432/union_office"
    assert database_settings(DATABASE_URL=url) == "False"
    assert database_settings(DATABASE_URL=url, DATABASE_DISABLE_SERVER_SIDE_CURSORS="true") == "True"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
@pytest.mark.django_db
def test_with_the_setting_iterator_declares_no_server_side_cursor(org, monkeypatch):
    MemberFactory.create_batch(3, org_unit=org.school)

    def declared_cursors() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            return cursor.fetchone()[0]

    rows = Member.objects.order_by("pk").iterator(chunk_size=1)
    next(rows)
    assert declared_cursors() == 1  # the default: .iterator() reads through a server-side cursor
    rows.close()

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    rows = Member.objects.order_by("pk").iterator(chunk_size=1)
    next(rows)
    assert declared_cursors() == 0  # what PgBouncer's transaction pooling needs
    assert len([1, *rows]) == 3
