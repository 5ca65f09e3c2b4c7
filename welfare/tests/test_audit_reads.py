"""Issue 17, finding 6: opening someone's hardship file, aid or 金秋 application, printing its form,
and every welfare export leave an audit entry (kind, unit, who); the applicant's own reads do not."""

import pytest
from django.urls import reverse

from union_office.models import AuditEntry, AuditKind

from .campaign_builders import campaign, county_chair, ready_for_approval
from .test_hardship import open_file
from .test_reports import paid  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def logged(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_a_reviewer_opening_an_aid_application_and_its_form_is_audited(login, chair, member, paid):  # noqa: F811
    login(member).get(reverse("welfare:aid_detail", args=[paid.pk]))
    assert logged("welfare.aid.read") == []  # the applicant's own
    client = login(chair)
    client.get(reverse("welfare:aid_detail", args=[paid.pk]))
    (entry,) = logged("welfare.aid.read")
    assert (entry.actor, entry.kind, entry.object_id, entry.org_unit_pk) == (
        chair,
        AuditKind.READ,
        str(paid.pk),
        paid.org_unit_id,
    )
    assert client.get(reverse("welfare:aid_pdf", args=[paid.pk])).status_code == 200
    (entry,) = logged("welfare.aid.print")
    assert entry.kind == AuditKind.EXPORT


def test_opening_a_hardship_file_is_audited(login, chair, member_in_b, budget):
    file = open_file(chair, member_in_b)
    login(chair).get(reverse("welfare:file_detail", args=[file.pk]))
    (entry,) = logged("welfare.file.read")
    assert entry.kind == AuditKind.READ and entry.org_unit_pk == file.org_unit_id


def test_the_aid_report_export_is_audited(login, chair, paid):  # noqa: F811
    login(chair).get(reverse("welfare:report"), {"format": "xlsx", "year": paid.paid_at.year})
    (entry,) = logged("welfare.report.export")
    assert entry.kind == AuditKind.EXPORT and entry.changes == {"year": paid.paid_at.year}


def test_jinqiu_reads_and_exports_are_audited(login, org, member):
    boss = county_chair(org)
    jinqiu = campaign(org, boss, required=["录取通知书"])
    application = ready_for_approval(jinqiu, member.member, boss, 3)
    login(member).get(reverse("welfare:student_detail", args=[application.pk]))
    assert logged("welfare.student.read") == []  # the parent's own
    client = login(boss)
    client.get(reverse("welfare:student_detail", args=[application.pk]))
    (entry,) = logged("welfare.student.read")
    assert entry.org_unit_pk == application.org_unit_id
    for export in ("applicants", "payments"):
        response = client.get(reverse("welfare:campaign_detail", args=[jinqiu.pk]), {"format": export})
        assert response.status_code == 200
        (entry,) = logged(f"welfare.campaign.export_{export}")
        assert entry.kind == AuditKind.EXPORT and entry.org_unit_pk == jinqiu.org_unit_id
