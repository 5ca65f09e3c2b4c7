"""Django admin cannot change a member's status or unit (the membership workflow does, with its
history), nor a unit's single-officer waiver (an audited service does)."""

import pytest
from django.urls import reverse

from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_status_and_unit_are_read_only_in_the_admin(client, org):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    member = MemberFactory(org_unit=org.branch_a)
    client.force_login(admin_user)
    url = reverse("admin:members_member_change", args=[member.pk])
    page = client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="org_unit"' not in page
    form = {
        "name": member.name,
        "gender": member.gender,
        "id_number": member.id_number,
        "birth_date": member.birth_date.isoformat(),
        "status": "left",
        "org_unit": org.hospital.pk,
        "employment_type": member.employment_type,
    }
    client.post(url, form)
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.org_unit == org.branch_a
    page = client.get(reverse("admin:members_orgunit_change", args=[org.school.pk])).content.decode()
    assert 'name="single_officer"' not in page
