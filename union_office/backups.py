"""Backup and restore of what the office would lose with the server (docs/backup.md).

One backup is one tar file, `union-office-<YYYYmmdd-HHMMSS>.tar`, holding
- `database.dump`: pg_dump's custom format (compressed; pg_restore can also pick single tables);
- `media/…` and `private/…`: the files of the "default" storage (roster imports and exports, motion
  attachments) and of the "private" one (welfare documents: 身份证 copies, 低保证, 病历), read and
  written through Django's storage API, so the same command backs up local folders and a bucket;
- `manifest.json`: every table's row count and row checksum, every file's size and sha256, and a
  fingerprint of FIELD_ENCRYPTION_KEY — never the key itself.

The table figures are read in the very snapshot pg_dump dumps (pg_export_snapshot), so a restore is
checked row for row against them even though the office kept working while the backup ran.

The key stays out of the archive on purpose: the 身份证号 in the dump are AES-GCM ciphertext and
HMAC hashes under FIELD_ENCRYPTION_KEY, useless to whoever finds a lost archive and lost to us too
if the key is gone. It is kept in the secret store, apart from the backups.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import dj_database_url
import psycopg
from django.core.files import File
from django.core.files.storage import Storage
from django.utils import timezone
from psycopg import sql

from union_office import crypto

FORMAT = 1
PREFIX = "union-office-"
DUMP = "database.dump"
MANIFEST = "manifest.json"
# Archive folder -> the STORAGES alias its files live in.
FILE_ROOTS = {"media": "default", "private": "private"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Database:
    """Where a PostgreSQL database is, for psycopg and for the libpq tools (pg_dump, pg_restore)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    sslmode: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Self:
        if settings_dict["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError(
                "备份和恢复只支持 PostgreSQL（DATABASE_URL=postgres://…）；SQLite 演示库直接复制 var/ 目录即可。"
            )
        return cls(
            name=str(settings_dict["NAME"]),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
            sslmode=(settings_dict.get("OPTIONS") or {}).get("sslmode", ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Self:
        try:
            return cls.from_settings(dj_database_url.parse(url))
        except ValueError as exc:
            raise BackupError(f"数据库地址无效：{exc}") from exc

    def libpq_env(self) -> dict[str, str]:
        """The PG* variables: the password never appears on a command line (visible in `ps`)."""
        values = {
            "PGDATABASE": self.name,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGSSLMODE": self.sslmode,
        }
        return {**os.environ, **{key: value for key, value in values.items() if value}}

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection:
        params = {
            "dbname": self.name,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            "sslmode": self.sslmode,
        }
        return psycopg.connect(autocommit=autocommit, **{key: value for key, value in params.items() if value})


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: int
    rows: int
    files: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    seconds: float


def key_fingerprint(secret: str | None = None) -> str:
    """Names the FIELD_ENCRYPTION_KEY in use (or `secret`) without revealing it (a keyed hash of a fixed text)."""
    return crypto.keyed_hash("union_office.backups.key-fingerprint", secret)[:16]


def key_fingerprints() -> set[str]:
    """The fingerprints of every key of FIELD_ENCRYPTION_KEYS: an archive made before a rotation
    restores while its key is still in the list."""
    return {key_fingerprint(secret) for secret in crypto.configured_keys()}


def pg_tool(name: str, server_version: int) -> str:
    """pg_dump/pg_restore of the server's major version: an older pg_dump refuses a newer server.

    Debian installs each version under /usr/lib/postgresql/<major>/bin; elsewhere the PATH decides.
    """
    versioned = Path(f"/usr/lib/postgresql/{server_version // 10000}/bin/{name}")
    if versioned.exists():
        return str(versioned)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client）。")
    return found


def _run(command: list[str], database: Database) -> str:
    result = subprocess.run(command, env=database.libpq_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{result.stderr.strip()}")
    return result.stdout


def table_figures(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Row count and a checksum of the rows of every table, in the connection's current snapshot.

    The checksum hashes each row's text, sorts those hashes and hashes the list: independent of the
    physical order, and only 32 bytes a row in memory however wide the rows are.
    """
    conn.execute("SET TIME ZONE 'UTC'")  # timestamptz prints in the session's zone
    tables = conn.execute(
        "SELECT schemaname, tablename FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    ).fetchall()
    figures = {}
    for schema, table in tables:
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {} t"
        ).format(sql.Identifier(schema, table))
        rows, checksum = conn.execute(query).fetchone()
        figures[f"{schema}.{table}"] = {"rows": rows, "md5": checksum}
    return figures


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """The name of every file in a storage, in a stable order (listdir works on folders and buckets)."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:  # a local root not created yet
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for directory in sorted(directories):
        yield from _stored_files(storage, prefix + directory)


def _stored_sha256(storage: Storage, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _files_under(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix path, path) of every regular file under root, in a stable order."""
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def backup_create(
    *, output_dir: Path, database: Database, file_roots: dict[str, Storage], keep: int | None = None
) -> BackupResult:
    """Write one backup archive into output_dir; with `keep`, then delete all but the newest `keep`."""
    started = time.monotonic()
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = output_dir / f"{PREFIX}{timezone.localtime():%Y%m%d-%H%M%S}.tar"
    if final.exists():
        raise BackupError(f"{final} 已经存在：同一秒内只能做一次备份。")
    partial = final.with_name(final.name + ".partial")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "key_fingerprint": key_fingerprint(),
    }
    try:
        with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
            dump = Path(work) / DUMP
            with database.connect() as conn:
                # One snapshot for pg_dump and for the figures; it lives as long as this transaction.
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
                server_version = conn.info.server_version
                pg_dump = pg_tool("pg_dump", server_version)
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"], database)
                manifest["tables"] = table_figures(conn)
            manifest["database"] = {
                "name": database.name,
                "server_version": server_version,
                "pg_dump": _run([pg_dump, "--version"], database).strip(),
                "file": DUMP,
                "size": dump.stat().st_size,
                "sha256": _sha256(dump),
            }
            # Files after the dump: a document the dump names was uploaded before the snapshot, so
            # it is here too (an upload during the backup is an extra file, which does no harm).
            files: dict[str, dict[str, Any]] = {}
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: owner only
            with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
                tar.add(dump, arcname=DUMP)
                for folder, storage in file_roots.items():
                    for relative in _stored_files(storage):
                        name = f"{folder}/{relative}"
                        size, sha256 = _stored_sha256(storage, relative)
                        files[name] = {"size": size, "sha256": sha256}
                        info = tarfile.TarInfo(name)
                        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
                        with storage.open(relative, "rb") as stream:
                            tar.addfile(info, stream)
                manifest["files"] = files
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
                handle.flush()
                os.fsync(handle.fileno())
        # Only a finished archive gets its final name, so a crash never leaves a half backup that
        # looks complete.
        partial.rename(final)
    finally:
        partial.unlink(missing_ok=True)
    if keep:
        for old in sorted(output_dir.glob(f"{PREFIX}*.tar"))[:-keep]:
            old.unlink()
    return BackupResult(
        path=final,
        tables=len(manifest["tables"]),
        rows=sum(table["rows"] for table in manifest["tables"].values()),
        files=len(manifest["files"]),
        seconds=time.monotonic() - started,
    )


def backup_unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extract an archive and check every byte against its manifest; returns the manifest."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    try:
        with tarfile.open(archive) as tar:
            # "data": no absolute paths, no links out of `into`, no device files.
            tar.extractall(into, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} 不是完整的备份文件：{exc}") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive} 里没有可读的 {MANIFEST}：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} 的格式版本 {manifest.get('format')} 不是本程序能读的 {FORMAT}。")
    expected = {DUMP: manifest["database"]["sha256"]} | {
        name: entry["sha256"] for name, entry in manifest["files"].items()
    }
    found = {name for folder in FILE_ROOTS for name, _ in _prefixed(into / folder, folder)} | {DUMP}
    problems = [f"多出文件 {name}" for name in sorted(found - expected.keys())]
    for name, sha256 in sorted(expected.items()):
        path = into / name
        if not path.is_file():
            problems.append(f"缺少文件 {name}")
        elif _sha256(path) != sha256:
            problems.append(f"文件已损坏（sha256 不符）{name}")
    if problems:
        raise BackupError(f"备份 {archive} 与其清单不符：" + "；".join(problems[:10]))
    return manifest


def _prefixed(root: Path, folder: str) -> Iterator[tuple[str, Path]]:
    for relative, path in _files_under(root):
        yield f"{folder}/{relative}", path


def backup_restore(
    *,
    archive: Path,
    database: Database,
    file_roots: dict[str, Storage],
    replace: bool = False,
    check_key: bool = True,
) -> RestoreResult:
    """Restore an archive into `database` and the file roots, then prove it against the manifest.

    Every check that can refuse comes before the first change. Without `replace` the database must
    have no tables and the file roots must be empty (the restore drill and a new server); with it
    the database's public schema and the roots' contents are deleted first (disaster recovery on
    the same server, with web, worker and beat stopped).
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="union-office-restore-") as work_dir:
        work = Path(work_dir)
        manifest = backup_unpack(archive, work)
        # Any key of FIELD_ENCRYPTION_KEYS decrypts: an archive made before a rotation restores while the
        # old key is still in the list.
        if check_key and manifest["key_fingerprint"] not in key_fingerprints():
            raise BackupError(
                "这份备份是用另一把 FIELD_ENCRYPTION_KEY 做的：用这把密钥恢复后身份证号无法解密。"
                "请先把当时的密钥配置进环境；确实丢失了密钥、只要其余数据时，加 --without-key-check。"
            )
        with database.connect(autocommit=True) as conn:
            (others,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            if others:
                raise BackupError(
                    f"数据库 {database.name} 还有 {others} 个其他连接：先停止 web、worker 和 beat 再恢复。"
                )
            (tables,) = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
            server_version = conn.info.server_version
        if tables and not replace:
            raise BackupError(
                f"数据库 {database.name} 不是空的（{tables} 张表）：恢复到新建的空库，或加 --replace 覆盖。"
            )
        for folder, storage in file_roots.items():
            if next(_stored_files(storage), None) is not None and not replace:
                raise BackupError(f"文件存储 {folder} 不是空的：恢复到空目录（或空的存储桶），或加 --replace 覆盖。")
        pg_restore = pg_tool("pg_restore", server_version)

        if replace:
            with database.connect(autocommit=True) as conn:
                conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
                conn.execute("CREATE SCHEMA public")
        # The archive's owner (postgres on one host, union in docker-compose) need not exist here:
        # everything belongs to the user who restores. One transaction: all tables or none.
        _run(
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             f"--dbname={database.name}", str(work / DUMP)],
            database,
        )  # fmt: skip
        for folder, storage in file_roots.items():
            if replace:
                for name in list(_stored_files(storage)):
                    storage.delete(name)
            for relative, path in _files_under(work / folder):
                with path.open("rb") as stream:
                    saved = storage.save(relative, File(stream, name=relative))
                if saved != relative:  # the storage renamed it: the database would not find it
                    raise BackupError(f"文件 {folder}/{relative} 已经存在，未能按原名恢复。")

    problems = []
    restored_files = {
        f"{folder}/{name}": _stored_sha256(storage, name)[1]
        for folder, storage in file_roots.items()
        for name in _stored_files(storage)
    }
    for name, entry in manifest["files"].items():
        if restored_files.get(name) != entry["sha256"]:
            problems.append(f"文件 {name}")
    with database.connect() as conn:
        restored = table_figures(conn)
    for table, figures in manifest["tables"].items():
        if restored.get(table) != figures:
            problems.append(f"表 {table}")
    if problems:
        raise BackupError("恢复后的数据与备份清单不符：" + "；".join(problems[:10]))
    return RestoreResult(
        tables=len(restored),
        rows=sum(table["rows"] for table in restored.values()),
        files=len(manifest["files"]),
        seconds=time.monotonic() - started,
    )
