"""`python manage.py restore ARCHIVE`: check an archive, restore it, and prove the result.

See docs/backup.md (the restore drill restores into a new database and empty folders).
"""

import tempfile
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from union_office.backups import FILE_ROOTS, BackupError, Database, backup_restore, backup_unpack, key_fingerprints


class Command(BaseCommand):
    help = "从 manage.py backup 生成的 tar 文件恢复数据库和上传文件，并按清单逐表、逐文件核对。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="备份文件（union-office-….tar）")
        parser.add_argument("--verify-only", action="store_true", help="只核对备份文件是否完整，不恢复")
        parser.add_argument(
            "--database-url", default=None, help="恢复到这个数据库（默认：DATABASE_URL）；演练时用新建的空库"
        )
        parser.add_argument("--media-root", type=Path, default=None, help="上传文件恢复到此目录（默认：default 存储）")
        parser.add_argument(
            "--private-media-root", type=Path, default=None, help="福利材料恢复到此目录（默认：private 存储）"
        )
        parser.add_argument("--replace", action="store_true", help="先清空目标数据库和目录（灾难恢复）")
        parser.add_argument(
            "--without-key-check", action="store_true", help="密钥与备份时不同也恢复（身份证号将无法解密）"
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            if options["verify_only"]:
                self._verify(archive)
                return
            database = (
                Database.from_url(options["database_url"])
                if options["database_url"]
                else Database.from_settings(connections["default"].settings_dict)
            )
            overrides = {"media": options["media_root"], "private": options["private_media_root"]}
            # A folder given on the command line (the restore drill), else the configured storage
            # (local folders or the bucket).
            roots = {
                folder: FileSystemStorage(location=overrides[folder]) if overrides[folder] else storages[alias]
                for folder, alias in FILE_ROOTS.items()
            }
            if options["replace"] and options["interactive"]:
                answer = input(
                    f"将删除数据库 {database.name} 的全部数据和 media、private 两个文件存储中的全部文件，"
                    "再从备份恢复。输入 yes 继续："
                )
                if answer.strip() != "yes":
                    raise CommandError("已取消，未做任何改动。")
            result = backup_restore(
                archive=archive,
                database=database,
                file_roots=roots,
                replace=options["replace"],
                check_key=not options["without_key_check"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成并已核对：{result.tables} 张表、{result.rows} 行与清单一致，{result.files} 个文件 sha256 一致"
                f"（{result.seconds:.1f} 秒）。"
            )
        )
        self.stdout.write("如果程序版本比备份时新，请接着运行 python manage.py migrate。")

    def _verify(self, archive: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="union-office-verify-") as work:
            manifest = backup_unpack(archive, Path(work))
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完整：{manifest['created_at']}，{len(manifest['tables'])} 张表 {rows} 行，"
                f"{len(manifest['files'])} 个文件，sha256 全部一致。"
            )
        )
        if manifest["key_fingerprint"] in key_fingerprints():
            self.stdout.write("当前 FIELD_ENCRYPTION_KEY 与备份时相同：恢复后身份证号可以解密。")
        else:
            self.stdout.write(self.style.WARNING("当前 FIELD_ENCRYPTION_KEY 与备份时不同：恢复前请配置当时的密钥。"))
