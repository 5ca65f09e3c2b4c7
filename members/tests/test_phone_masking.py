"""Issue 17, finding 7: phone numbers in full only to the roles that need them (chair, committee by
default, settings.PHONE_VISIBLE_ROLES) and to the member; treasurer, auditor and women read 138****5678,
on the member page, in the roster export and the roster PDF, and cannot search a phone's tail."""

from django.urls import reverse

from members import access, exports
from members.tests.factories import MemberFactory

from .test_exports import data_rows, export_url, workbook_rows

PHONE = "13812345678"
MASKED = "138****5678"


def test_mask_phone():
    assert access.mask_phone(PHONE) == MASKED
    assert access.mask_phone("") == ""


def test_the_member_page_masks_the_phone_for_the_treasurer_not_the_chair(login, org, chair, treasurer, auditor):
    member = MemberFactory(name="赵六", org_unit=org.branch_a, phone=PHONE)
    url = reverse("members:member_detail", args=[member.pk])
    for reader in (treasurer, auditor):
        body = login(reader).get(url).content.decode()
        assert MASKED in body and PHONE not in body
    body = login(chair).get(url).content.decode()
    assert PHONE in body


def test_a_member_sees_their_own_phone(org, member):
    own = member.member
    assert access.phone_shown(member, own) == own.phone


def test_the_roster_export_masks_phones_for_the_treasurer(login, org, chair, treasurer):
    MemberFactory(name="赵六", org_unit=org.branch_a, phone=PHONE)
    for reader, expected in ((treasurer, MASKED), (chair, PHONE)):
        data = login(reader).get(export_url()).content
        header = list(workbook_rows(data)[2])
        row = next(r for r in data_rows(data) if "赵六" in r)
        assert row[header.index("手机号")] == expected


def test_the_roster_pdf_masks_phones_for_the_treasurer(org, treasurer, chair):
    MemberFactory(name="赵六", org_unit=org.branch_a, phone=PHONE)
    for user, expected in ((treasurer, MASKED), (chair, PHONE)):
        context = exports.unit_roster_pdf_context(user=user, unit=org.branch_a)
        phones = [m.phone for _unit, rows in context["groups"] for _n, m in rows if m.name == "赵六"]
        assert phones == [expected]


def test_the_treasurer_cannot_search_a_phone_tail(login, org, chair, treasurer):
    MemberFactory(name="赵六", org_unit=org.branch_a, phone=PHONE)
    assert "赵六" not in login(treasurer).get(reverse("members:member_list"), {"q": "5678"}).content.decode()
    assert "赵六" in login(chair).get(reverse("members:member_list"), {"q": "5678"}).content.decode()
