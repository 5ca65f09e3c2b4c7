"""`python manage.py backup`: one archive with the database, the uploaded files and a manifest.

See docs/backup.md for the schedule, the restore drill and where the keys are kept.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from union_office.backups import FILE_ROOTS, BackupError, Database, backup_create


class Command(BaseCommand):
    help = "备份数据库（pg_dump 自定义格式）、上传文件和清单到一个带时间戳的 tar 文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="备份文件存放目录（默认：项目的 var/backups）")
        parser.add_argument("--keep", type=int, default=None, help="备份成功后只保留目录中最新的 N 份")

    def handle(self, *args: Any, output: Path | None, keep: int | None, **options: Any) -> None:
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1。")
        try:
            result = backup_create(
                output_dir=output or Path(settings.BASE_DIR) / "var" / "backups",
                # The connection's own settings: under the tests that is the test database.
                database=Database.from_settings(connections["default"].settings_dict),
                file_roots={folder: storages[alias] for folder, alias in FILE_ROOTS.items()},
                keep=keep,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.path}（{result.tables} 张表，{result.rows} 行，{result.files} 个文件，"
                f"{result.seconds:.1f} 秒）"
            )
        )
        self.stdout.write("密钥 FIELD_ENCRYPTION_KEY 不在备份里：请确认它另行保存在密钥保管处（docs/backup.md）。")
