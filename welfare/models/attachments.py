"""Private uploads (申请材料) shared by every welfare record: hardship files, aid applications and
the 金秋助学 applications.

An attachment points at its owner record through a generic relation; who may download it is
whoever may read the owner (welfare.selectors.owner_visible). The stored name is random and the
original filename is only a label: it never becomes part of a path.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office import storage
from union_office.models import TimeStampedModel


def private_storage() -> Storage:
    """The "private" storage alias (union_office/storage.py): local folder or object storage."""
    return storage.private_storage


def stored_name(instance: "Attachment", filename: str) -> str:
    """A random name with the extension of the detected type; the uploaded name is ignored."""
    extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[instance.content_type]
    return f"welfare/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Attachment(TimeStampedModel):
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    # What the document is (低保证, 病历, 录取通知书): the label of a checklist item or free text.
    label = models.CharField(_("材料名称"), max_length=60, blank=True)
    file = models.FileField(_("文件"), storage=private_storage, upload_to=stored_name, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        indexes = [
            # The attachments of one record (detail pages).
            models.Index(fields=["owner_type", "owner_id"], name="welfare_attachment_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="welfare_attachment_type",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.original_name
