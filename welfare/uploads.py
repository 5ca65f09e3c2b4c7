"""Checking and storing uploaded documents (PDF, JPG, PNG).

The type is decided by the file's first bytes, never by its name or the browser's Content-Type:
a renamed .exe, or a PNG called .pdf, is refused. The extension must agree with the content, so
the name the person sees in their folder is not a lie either.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .models import Attachment

# content type -> (magic prefixes, accepted extensions)
ACCEPTED: dict[str, tuple[tuple[bytes, ...], tuple[str, ...]]] = {
    "application/pdf": ((b"%PDF-",), (".pdf",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
}
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}
MAX_FILES_PER_UPLOAD = 10


def detect_type(head: bytes) -> str | None:
    for content_type, (magics, _extensions) in ACCEPTED.items():
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return None


def check_upload(upload: UploadedFile) -> str:
    """The real content type of an acceptable upload, or ValidationError saying what to fix."""
    name = upload.name or ""
    limit = settings.WELFARE_UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size).1f MB），单个文件不能超过 %(limit)d MB。")
            % {"name": name, "size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = detect_type(head)
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if content_type is None:
        raise ValidationError(
            _("文件“%(name)s”的内容不是 PDF、JPG 或 PNG（只看扩展名不算数），请上传扫描件或照片。") % {"name": name}
        )
    if extension not in ACCEPTED[content_type][1]:
        raise ValidationError(
            _("文件“%(name)s”的扩展名与内容不符：内容是 %(real)s 文件。请改正文件名后重新上传。")
            % {"name": name, "real": TYPE_NAMES[content_type]}
        )
    return content_type


def attach(*, owner: models.Model, upload: UploadedFile, actor: Any, label: str = "") -> Attachment:
    """Store one checked upload for `owner`; call inside the owner's transaction."""
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        label=label[:60],
        original_name=(upload.name or "")[-200:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # upload_to ignores the given name; the random stored name carries the detected extension.
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


def attachments_of(owner: models.Model) -> models.QuerySet[Attachment]:
    return Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk).order_by(
        "created_at", "pk"
    )


def attachment_response(attachment: Attachment, *, inline: bool = True) -> FileResponse:
    """Stream a document: private, never cached, under its original name (as a label only)."""
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=attachment.original_name or "file"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
