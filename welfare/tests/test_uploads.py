"""Uploads: type by content, size, private storage, random names, permission-checked download."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from union_office.storage import private_storage
from welfare import uploads
from welfare.models import AidApplication, Attachment
from welfare.services import aid as aid_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 40


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("诊断证明.pdf", EXE, "内容不是 PDF、JPG 或 PNG"),
        ("photo.jpg", b"<html><script>alert(1)</script>", "内容不是 PDF、JPG 或 PNG"),
        ("低保证.pdf", PNG, "扩展名与内容不符：内容是 PNG"),
        ("scan.png", PDF, "扩展名与内容不符：内容是 PDF"),
        ("noextension", PDF, "扩展名与内容不符"),
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_fake_or_wrong_files_are_refused_with_a_message(name, content, message):
    with pytest.raises(ValidationError) as exc:
        uploads.check_upload(upload(name, content))
    assert message in exc.value.messages[0]
    assert name in exc.value.messages[0] or name == ""


def test_too_large_files_are_refused(settings):
    settings.WELFARE_UPLOAD_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError, match="单个文件不能超过 1 MB"):
        uploads.check_upload(upload("big.pdf", PDF + b"0" * (1024 * 1024)))


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("a.pdf", PDF, "application/pdf"), ("b.PNG", PNG, "image/png"), ("c.jpeg", JPG, "image/jpeg")],
)
def test_real_files_pass(name, content, kind):
    assert uploads.check_upload(upload(name, content)) == kind


def test_stored_privately_under_a_random_name(applicant, member):
    application = aid_services.aid_create(
        actor=member,
        member=applicant,
        kind="illness",
        amount_requested="5000",
        reason="住院",
        documents=[("诊断证明", upload("../../etc/passwd.pdf", PDF))],
    )
    attachment = Attachment.objects.get()
    assert attachment.owner == application
    stored = Path(attachment.file.path)
    assert stored.is_file()
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.endswith(".pdf") and len(stored.stem) == 32
    assert attachment.original_name == "passwd.pdf"  # a label only (Django strips the path)
    with pytest.raises(ValueError):
        _ = attachment.file.url  # no public address


def test_a_fake_file_in_the_form_saves_nothing(login, member):
    client = login(member)
    response = client.post(
        reverse("welfare:aid_create"),
        {
            "kind": "illness",
            "amount_requested": "3000",
            "reason": "住院",
            "submit_now": "on",
            "documents": [upload("病历.pdf", EXE)],
        },
    )
    assert response.status_code == 200
    assert "内容不是 PDF、JPG 或 PNG" in response.content.decode()
    assert not AidApplication.objects.exists()
    assert not Attachment.objects.exists()


@pytest.fixture
def attached(applicant, member):
    application = aid_services.aid_create(
        actor=member,
        member=applicant,
        kind="illness",
        amount_requested="5000",
        reason="住院",
        documents=[("诊断证明", upload("诊断证明.pdf", PDF))],
        submit=True,
    )
    return Attachment.objects.get(owner_id=application.pk)


def test_download_for_the_applicant_is_private_and_not_cached(login, member, attached):
    response = login(member).get(reverse("welfare:attachment", args=[attached.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "filename" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["neighbour", "outsider", "committee", "treasurer", "auditor", "other_committee"])
def test_download_is_404_for_everyone_else(request, login, attached, who):
    """Same-unit neighbour, another 分工会's committee, the treasurer: the file does not exist for them."""
    user = request.getfixturevalue(who)
    assert login(user).get(reverse("welfare:attachment", args=[attached.pk])).status_code == 404


def test_download_for_the_chair_of_the_unit_above(login, chair, attached):
    response = login(chair).get(reverse("welfare:attachment", args=[attached.pk]))
    assert response.status_code == 200
    response.close()


def test_download_needs_login(client, attached):
    response = client.get(reverse("welfare:attachment", args=[attached.pk]))
    assert response.status_code == 302


def test_download_of_a_missing_attachment_is_404(login, chair):
    assert login(chair).get(reverse("welfare:attachment", args=[999999])).status_code == 404


def test_documents_on_either_storage_backend_reach_only_those_allowed(storage_backend, login, member, outsider):
    """Issue 23: local folders or an S3 bucket, the document is stored privately and streamed after
    the same access check."""
    application = aid_services.aid_create(
        actor=member,
        member=member.member,
        kind="illness",
        amount_requested="5000",
        reason="住院",
        documents=[("诊断证明", upload("诊断证明.pdf", PDF))],
    )
    attachment = Attachment.objects.get(owner_id=application.pk)
    assert private_storage.exists(attachment.file.name)
    url = reverse("welfare:attachment", args=[attachment.pk])
    assert login(outsider).get(url).status_code == 404
    response = login(member).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
