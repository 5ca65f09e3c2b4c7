"""Where uploaded and generated files live: Django's two STORAGES aliases (docs/scale.md).

- "default": roster imports and exports, motion attachments, 提案汇编 PDFs;
- "private": welfare documents (身份证 copies, 低保证, 病历).

Both are the local filesystem for `make run` and one machine (MEDIA_ROOT and PRIVATE_MEDIA_ROOT),
and S3-compatible object storage through django-storages when S3_BUCKET is set, so that a second
web node and the workers read the files the first one wrote. Neither has a public address: every
download goes through a view that checks access first and streams the file.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

PRIVATE = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """The "private" alias on one machine: files under PRIVATE_MEDIA_ROOT, apart from MEDIA_ROOT, so a
    web server that publishes the media folder by mistake still cannot reach them. The root is read
    on each use so that tests can move it."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return str(Path(settings.PRIVATE_MEDIA_ROOT).resolve())

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no address: they are served by a view that checks access")


class PrivateS3Storage(S3Storage):
    """The "private" alias on object storage: no signed URL either, the view streams the object."""

    def url(self, name: str | None, parameters=None, expire=None, http_method=None) -> str:
        raise ValueError("private files have no address: they are served by a view that checks access")


class _PrivateStorage(LazyObject):
    """storages["private"], looked up on first use (and again after a test changes STORAGES), like
    Django's own default_storage. A FileField keeps the storage it was given at import time, so it
    must be given this proxy rather than the backend itself."""

    def _setup(self) -> None:
        self._wrapped = storages[PRIVATE]


private_storage: Storage = _PrivateStorage()  # type: ignore[assignment]


@receiver(setting_changed)
def _forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting == "STORAGES":
        private_storage._wrapped = empty
