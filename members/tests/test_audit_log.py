"""Issue 17, finding 6: reads of full member records are audited, and the 审计日志 page shows the
经审委员会 (auditor) and the chair the entries of their subtree, filtered, exportable (audited)."""

import datetime as dt
from io import BytesIO

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members.tests.factories import MemberFactory
from union_office.audit import audit_maintenance, audit_record
from union_office.models import AuditEntry, AuditKind

pytestmark = pytest.mark.django_db


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# --- Sensitive reads -----------------------------------------------------------------------------


def test_opening_a_full_member_record_is_audited_with_its_unit(login, org, chair):
    member = MemberFactory(name="赵六", org_unit=org.branch_a, phone="13812345678")
    client = login(chair)
    client.get(reverse("members:member_detail", args=[member.pk]), HTTP_USER_AGENT="Firefox/140")
    (entry,) = entries("member.read")
    assert (entry.actor, entry.kind, entry.object_id) == (chair, AuditKind.READ, str(member.pk))
    assert entry.org_unit_pk == org.branch_a.pk
    assert entry.ip_address == "127.0.0.1" and entry.user_agent == "Firefox/140"
    # A read is not a change: the record's history stays the list of changes.
    page = client.get(reverse("members:member_detail", args=[member.pk]))
    assert all(e.action != "member.read" for e, _labels in page.context["history"])


def test_a_masked_read_and_ones_own_record_are_not_audited(login, org, treasurer, member):
    other = MemberFactory(name="赵六", org_unit=org.branch_a, phone="13812345678")
    login(treasurer).get(reverse("members:member_detail", args=[other.pk]))  # masked phone, birth year
    login(member).get(reverse("members:member_detail", args=[member.member.pk]), follow=True)
    assert entries("member.read") == []


def test_the_printed_roster_is_audited(login, org, chair):
    MemberFactory(org_unit=org.branch_a)
    assert login(chair).get(reverse("members:unit_roster_pdf", args=[org.school.pk])).status_code == 200
    (entry,) = entries("member.export_roster_pdf")
    assert entry.kind == AuditKind.EXPORT and entry.org_unit_pk == org.school.pk


def test_a_masked_roster_export_is_filed_under_the_filtered_unit(login, org, treasurer):
    MemberFactory(org_unit=org.branch_a)
    login(treasurer).get(reverse("members:export_xlsx"), {"unit": org.branch_a.pk})
    (entry,) = entries("member.export_roster")
    assert entry.kind == AuditKind.EXPORT and entry.org_unit_pk == org.branch_a.pk


# --- The 审计日志 page ----------------------------------------------------------------------------


@pytest.fixture
def logged(org, chair, other_committee):
    """One change at the school's 分工会 A, one read at the school, one at the hospital."""
    in_a = MemberFactory(name="张三", org_unit=org.branch_a)
    in_school = MemberFactory(name="王五", org_unit=org.school)
    at_hospital = MemberFactory(name="医院会员", org_unit=org.ward)
    audit_record(actor=chair, action="member.update", obj=in_a, changes={"phone": ["1", "2"]})
    audit_record(actor=chair, action="member.read", obj=in_school, kind=AuditKind.READ)
    audit_record(actor=other_committee, action="member.read", obj=at_hospital, kind=AuditKind.READ)
    return in_a, in_school, at_hospital


def shown(response) -> list[str]:
    return [entry.object_repr for entry in response.context["page"]]


def test_the_auditor_and_the_chair_read_their_subtree_only(login, org, auditor, chair, logged):
    for reader in (auditor, chair):
        response = login(reader).get(reverse("members:audit_log"))
        assert response.status_code == 200
        assert sorted(shown(response)) == ["张三", "王五"]
        assert "no-store" in response["Cache-Control"]


def test_everyone_else_gets_404(login, org, committee, treasurer, member, outsider, logged):
    for user in (committee, treasurer, member, outsider):
        assert login(user).get(reverse("members:audit_log")).status_code == 404
        assert login(user).get(reverse("members:audit_log_export")).status_code == 404


def test_a_unit_outside_the_scope_is_404(login, org, auditor, logged):
    client = login(auditor)
    assert client.get(reverse("members:audit_log"), {"unit": org.hospital.pk}).status_code == 404
    assert client.get(reverse("members:audit_log"), {"unit": "²"}).status_code == 404
    assert client.get(reverse("members:audit_log_export"), {"unit": org.ward.pk}).status_code == 404
    response = client.get(reverse("members:audit_log"), {"unit": org.branch_a.pk})
    assert shown(response) == ["张三"]


def test_filters_by_who_what_when_and_object(login, org, auditor, chair, logged):
    client = login(auditor)
    url = reverse("members:audit_log")
    assert shown(client.get(url, {"kind": "read"})) == ["王五"]
    assert shown(client.get(url, {"action": "member.update"})) == ["张三"]
    assert shown(client.get(url, {"obj": "王"})) == ["王五"]
    assert sorted(shown(client.get(url, {"actor": "chair"}))) == ["张三", "王五"]
    assert shown(client.get(url, {"actor": "nobody"})) == []
    today = timezone.localdate()
    assert len(shown(client.get(url, {"date_from": today.isoformat(), "date_to": today.isoformat()}))) == 2
    assert shown(client.get(url, {"date_to": (today - dt.timedelta(days=1)).isoformat()})) == []
    response = client.get(url, {"date_from": "not a date"})
    assert response.status_code == 200 and shown(response) == [] and response.context["filter"].errors


def test_the_navbar_shows_the_page_to_its_readers_only(login, org, auditor, treasurer):
    link = reverse("members:audit_log")
    assert link in login(auditor).get(reverse("dashboard")).content.decode()
    assert link not in login(treasurer).get(reverse("dashboard")).content.decode()
    # On the page itself its own entry is the current one, not 会员 (the same URL namespace).
    page = login(auditor).get(link).content.decode()
    assert f'class="nav-link active" href="{link}"' in page
    assert f'class="nav-link active" href="{reverse("members:member_list")}"' not in page


def test_the_list_costs_the_same_queries_for_1_and_30_entries(login, org, auditor, chair):
    client = login(auditor)
    member = MemberFactory(org_unit=org.school)
    audit_record(actor=chair, action="member.update", obj=member)
    client.get(reverse("members:audit_log"))  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("members:audit_log"))
    for _ in range(29):
        audit_record(actor=chair, action="member.update", obj=MemberFactory(org_unit=org.branch_b))
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(reverse("members:audit_log"))
    assert len(response.context["page"]) == 30
    assert len(thirty) == len(one)


def test_the_export_is_an_xlsx_of_the_filtered_entries_and_is_itself_audited(login, org, auditor, logged):
    client = login(auditor)
    response = client.get(reverse("members:audit_log_export"), {"kind": "change"}, HTTP_USER_AGENT="Edge/140")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "审计日志"
    data = [row for row in rows if row[4] in ("张三", "王五", "医院会员")]
    assert [row[4] for row in data] == ["张三"]
    assert data[0][3] == "修改会员信息" and data[0][5] == "高一年级分工会" and "phone" in data[0][6]
    (entry,) = entries("audit.export")
    assert entry.kind == AuditKind.EXPORT and entry.actor == auditor
    assert entry.org_unit_pk == org.school.pk and entry.changes["rows"] == 1
    assert entry.user_agent == "Edge/140"
    # The export shows up on the page it came from.
    assert "audit.export" in [e.action for e in client.get(reverse("members:audit_log")).context["page"]]


# --- Append-only on PostgreSQL ---------------------------------------------------------------------


def test_the_audit_table_is_append_only_on_postgresql(org, chair):
    entry = audit_record(actor=chair, action="member.update", obj=MemberFactory(org_unit=org.school))
    if connection.vendor != "postgresql":
        # SQLite, the development default: migration 0007 installs nothing there.
        assert AuditEntry.objects.filter(pk=entry.pk).update(action="x") == 1
        return
    for change in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="member.nothing"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="审计日志只能追加"), transaction.atomic():
            change()
    entry.refresh_from_db()
    assert entry.action == "member.update"
    # A maintenance transaction (a retention rule the operators decide on) may, and only inside it.
    with audit_maintenance():
        assert AuditEntry.objects.filter(pk=entry.pk).update(action="member.corrected") == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with audit_maintenance():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()
