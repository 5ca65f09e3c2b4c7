"""docs/backup.md: a backup of the demo union restores into a new database and new folders with every
row, every file and the readable 身份证号 of the original.

The comparison is made here, independently of the restore command's own check against its
manifest: every table's row count and a checksum of its rows in primary-key order, read from the
source and from the restored database.
"""

import hashlib
import io
import json
import tarfile
from dataclasses import replace
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.exceptions import InvalidTag
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from finance.chart import load_chart
from finance.models import Account
from members.idcard import normalize_id_number
from members.models import Member, RosterImport
from union_office import crypto
from union_office.backups import Database
from welfare import uploads
from welfare.models import AidApplication

APPS = ["union_office", "members", "finance", "welfare", "activities", "congress", "plans"]
SEEDS = [
    "seed_demo",
    "seed_demo_finance",
    "seed_demo_activities",
    "seed_demo_congress",
    "seed_demo_welfare",
    "seed_demo_plan",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

postgres_only = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="pg_dump and pg_restore back up PostgreSQL only; run with DATABASE_URL=postgres://…",
)


@pytest.fixture
def fresh_database():
    """A new, empty database beside the test database; dropped afterwards."""
    source = Database.from_settings(connection.settings_dict)
    target = replace(source, name=f"{source.name}_restored")
    with replace(source, name="postgres").connect(autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))
    yield target
    with replace(source, name="postgres").connect(autocommit=True) as conn:
        conn.execute(drop)


def url_of(database: Database) -> str:
    credentials = quote(database.user) + (f":{quote(database.password)}" if database.password else "")
    return f"postgres://{credentials}@{database.host or 'localhost'}:{database.port or 5432}/{database.name}"


def rows_by_table(database: Database) -> dict[str, tuple[int, str]]:
    """Every table's row count and md5 of its rows in primary-key order (the brief's own check)."""
    result = {}
    with database.connect() as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        tables = conn.execute(
            """
            SELECT c.oid, n.nspname, c.relname,
                   (SELECT array_agg(a.attname ORDER BY k.ord)
                      FROM pg_index i
                      CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE i.indrelid = c.oid AND i.indisprimary)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        ).fetchall()
        for _oid, schema, table, primary_key in tables:
            order = sql.SQL(", ").join(sql.Identifier(column) for column in primary_key or []) or sql.SQL("t::text")
            rows, checksum = conn.execute(
                sql.SQL("SELECT count(*), md5(string_agg(t::text, '' ORDER BY {})) FROM {} t").format(
                    order, sql.Identifier(schema, table)
                )
            ).fetchone()
            result[f"{schema}.{table}"] = (rows, checksum)
        sequences = conn.execute("SELECT sequencename, last_value FROM pg_sequences").fetchall()
        result["sequences"] = (len(sequences), hashlib.md5(repr(sorted(sequences)).encode()).hexdigest())
    return result


def stored_files(alias: str, folder: str = "") -> dict[str, bytes]:
    """Every file of a storage alias (a local folder or a bucket) by name, read through its API."""
    storage, found = storages[alias], {}
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:  # a local root nothing was saved in yet
        return found
    prefix = f"{folder}/" if folder else ""
    for name in files:
        with storage.open(prefix + name, "rb") as handle:
            found[prefix + name] = handle.read()
    for directory in directories:
        found |= stored_files(alias, prefix + directory)
    return found


def files_of(media: Path, private: Path) -> dict[str, str]:
    """sha256 of every file under the two roots, named as in the archive."""
    return {
        f"{folder}/{path.relative_to(root).as_posix()}": hashlib.sha256(path.read_bytes()).hexdigest()
        for folder, root in (("media", Path(media)), ("private", Path(private)))
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_backup_of_every_app_restores_into_a_fresh_database_and_folders(
    settings, tmp_path, fresh_database, storage_backend
):
    """Backed up from local folders or from a bucket (storage_backend), restored into new folders."""
    load_chart(Account)  # a transactional test starts from emptied tables
    for seed in SEEDS:
        call_command(seed, stdout=StringIO())
    # One upload in each root: a roster (身份证号 in clear, a Chinese name) and a welfare document.
    admin = get_user_model().objects.get(username="admin")
    application = AidApplication.objects.select_related("org_unit").first()
    RosterImport.objects.create(
        org_unit=application.org_unit,
        created_by=admin,
        file=ContentFile(b"PK\x03\x04 a roster", name="花名册 2026.xlsx"),
        original_name="花名册 2026.xlsx",
    )
    uploads.attach(
        owner=application, upload=SimpleUploadedFile("低保证.pdf", PDF, content_type="application/pdf"), actor=admin
    )

    out = StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    (archive,) = (tmp_path / "backups").glob("union-office-*.tar")
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds personal data: owner only"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert settings.FIELD_ENCRYPTION_KEY not in archive.read_bytes().decode("latin-1")
    for app in APPS:
        rows = sum(t["rows"] for name, t in manifest["tables"].items() if name.startswith(f"public.{app}_"))
        assert rows > 0, f"the seeds left {app} empty: the test would prove nothing for it"
    assert set(manifest["files"]) | {"database.dump", "manifest.json"} == names
    source_files = {
        f"{folder}/{name}": hashlib.sha256(data).hexdigest()
        for folder, alias in (("media", "default"), ("private", "private"))
        for name, data in stored_files(alias).items()
    }
    assert len(source_files) == 2 and {n: f["sha256"] for n, f in manifest["files"].items()} == source_files

    out = StringIO()
    call_command("restore", archive, verify_only=True, stdout=out)
    assert "sha256 全部一致" in out.getvalue() and "与备份时相同" in out.getvalue()
    restored = tmp_path / "restored"
    call_command(
        "restore",
        archive,
        database_url=url_of(fresh_database),
        media_root=restored / "media",
        private_media_root=restored / "private",
        interactive=False,
        stdout=StringIO(),
    )

    source_rows = rows_by_table(Database.from_settings(connection.settings_dict))
    assert rows_by_table(fresh_database) == source_rows
    assert sum(rows for rows, _ in source_rows.values()) > 1000
    assert files_of(restored / "media", restored / "private") == source_files

    # Refused before any change: a database that is not empty, an archive with one byte changed.
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", archive, database_url=url_of(fresh_database), interactive=False)
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as original, tarfile.open(tampered, "w") as copy:
        for entry in original.getmembers():
            data = original.extractfile(entry).read()
            copy.addfile(
                entry, io.BytesIO(data.replace(b"%%EOF", b"%%EOX") if entry.name.startswith("private/") else data)
            )
    with pytest.raises(CommandError, match="文件已损坏（sha256 不符）private/welfare/"):
        call_command("restore", tampered, verify_only=True)

    # The restored ciphertext opens with the same key, and the keyed hash still finds the member.
    member = Member.objects.order_by("pk").first()
    with fresh_database.connect() as conn:
        cipher, keyed = conn.execute(
            "SELECT id_number_cipher, id_number_hash FROM members_member WHERE id = %s", [member.pk]
        ).fetchone()
    assert crypto.decrypt(cipher) == member.id_number
    assert keyed == crypto.keyed_hash(normalize_id_number(member.id_number))
    # ...and with any other key it is lost: why docs/backup.md keeps the key safe, apart.
    settings.FIELD_ENCRYPTION_KEY = "another-key-" + "x" * 32
    with pytest.raises(InvalidTag):
        crypto.decrypt(cipher)
    with pytest.raises(CommandError, match="另一把 FIELD_ENCRYPTION_KEY"):
        call_command("restore", archive, database_url=url_of(fresh_database), interactive=False)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite demo database's refusal")
def test_the_sqlite_demo_is_refused_with_what_to_do_instead(tmp_path):
    with pytest.raises(CommandError, match="只支持 PostgreSQL.*复制 var/ 目录"):
        call_command("backup", output=tmp_path)
    assert list(tmp_path.iterdir()) == []
