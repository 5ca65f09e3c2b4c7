import pytest
from django.urls import reverse

from union_office.models import AuditEntry


def test_roster_needs_login(client, org):
    response = client.get(reverse("members:member_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_committee_sees_own_branch_member(login, committee, member_in_a):
    response = login(committee).get(reverse("members:member_detail", args=[member_in_a.pk]))
    assert response.status_code == 200
    assert "张三" in response.content.decode()
    assert response["Cache-Control"].count("no-store") == 1


def test_committee_gets_404_for_another_branch(login, committee, member_in_b, org):
    client = login(committee)
    assert client.get(reverse("members:member_detail", args=[member_in_b.pk])).status_code == 404
    assert client.get(reverse("members:member_edit", args=[member_in_b.pk])).status_code == 404
    assert client.get(reverse("members:unit_detail", args=[org.branch_b.pk])).status_code == 404


def test_roster_list_shows_only_the_scope_and_masks_ids(login, committee, member_in_a, member_in_b):
    body = login(committee).get(reverse("members:member_list")).content.decode()
    assert "张三" in body
    assert "李四" not in body
    assert member_in_a.id_number not in body
    assert member_in_a.id_number_masked in body


def test_member_sees_own_record_but_no_roster(login, member, member_in_b):
    client = login(member)
    own = member.member
    assert client.get(reverse("members:member_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("members:member_detail", args=[member_in_b.pk])).status_code == 404
    assert client.get(reverse("members:member_list")).status_code == 302


def test_read_only_role_gets_403_on_edit(login, treasurer, member_in_b):
    client = login(treasurer)
    assert client.get(reverse("members:member_detail", args=[member_in_b.pk])).status_code == 200
    assert client.get(reverse("members:member_edit", args=[member_in_b.pk])).status_code == 403
    assert client.post(reverse("members:member_edit", args=[member_in_b.pk]), {}).status_code == 403


def test_wrong_method_is_405(login, chair, member_in_b):
    client = login(chair)
    assert client.post(reverse("members:member_detail", args=[member_in_b.pk])).status_code == 405
    assert client.get(reverse("members:member_reveal_id_number", args=[member_in_b.pk])).status_code == 405


def test_edit_saves_and_audits_with_masked_id(login, chair, member_in_b, org):
    client = login(chair)
    data = {
        "name": "李四",
        "member_no": "QH-9",
        "id_number": "11010519491231002X",
        "gender": "",
        "birth_date": "",
        "phone": "13800000000",
        "org_unit": org.branch_b.pk,
        "department": org.school_office.pk,
        "joined_on": "2010-09-01",
        "employment_type": "contract",
        "frontline": "on",
    }
    response = client.post(reverse("members:member_edit", args=[member_in_b.pk]), data)
    assert response.status_code == 302, response.content.decode()
    member_in_b.refresh_from_db()
    assert member_in_b.id_number == "11010519491231002X"
    assert member_in_b.gender == "F"
    entry = AuditEntry.objects.get(action="member.update", object_id=str(member_in_b.pk))
    assert entry.actor == chair
    assert entry.changes["id_number"][1] == "110105********002X"
    assert "11010519491231002X" not in str(entry.changes)


def test_edit_with_wrong_check_digit_shows_chinese_error_and_saves_nothing(login, chair, member_in_b, org):
    before = member_in_b.id_number
    response = login(chair).post(
        reverse("members:member_edit", args=[member_in_b.pk]),
        {
            "name": "李四",
            "id_number": "110105194912310021",
            "org_unit": org.branch_b.pk,
            "employment_type": "permanent",
        },
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    member_in_b.refresh_from_db()
    assert member_in_b.id_number == before
    assert not AuditEntry.objects.exists()


def test_reveal_full_id_number_is_audited(login, chair, member_in_b):
    response = login(chair).post(reverse("members:member_reveal_id_number", args=[member_in_b.pk]))
    assert response.status_code == 200
    assert member_in_b.id_number in response.content.decode()
    assert AuditEntry.objects.filter(action="member.reveal_id_number", actor=chair).count() == 1


def test_treasurer_may_not_reveal_full_id_number(login, treasurer, member_in_b):
    response = login(treasurer).post(reverse("members:member_reveal_id_number", args=[member_in_b.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("rows", [1, 30])
def test_roster_list_query_count_is_flat(login, chair, org, rows, django_assert_num_queries):
    from members.tests.factories import MemberFactory

    client = login(chair)
    client.get(reverse("members:member_list"))  # warm the session and the pickers
    MemberFactory.create_batch(rows, org_unit=org.branch_b, department=org.school_office)
    # user, grants (with the own member record), the versions of the unit tree and the
    # roster (the pickers come from the cache), capped row count, statistics (grouped counts + the
    # units shown), the page's rows: the same for 1 or 30 rows
    with django_assert_num_queries(7):
        client.get(reverse("members:member_list"))
    # Until the roster changes again, the count and the statistics come from the cache.
    with django_assert_num_queries(4):
        client.get(reverse("members:member_list"))


def test_unit_list_and_detail(login, chair, org, member_in_b):
    client = login(chair)
    body = client.get(reverse("members:unit_list")).content.decode()
    assert "高一年级分工会" in body and "人民医院工会" not in body
    body = client.get(reverse("members:unit_detail", args=[org.branch_b.pk])).content.decode()
    assert "李四" in body


def test_roster_filters_by_unit_status_and_search(login, chair, org, member_in_a, member_in_b):
    client = login(chair)
    url = reverse("members:member_list")
    body = client.get(url, {"unit": org.branch_a.pk}).content.decode()
    assert "张三" in body and "李四" not in body
    assert "李四" in client.get(url, {"q": "李"}).content.decode()
    assert "张三" not in client.get(url, {"q": "李"}).content.decode()
    assert "张三" not in client.get(url, {"status": "retired"}).content.decode()
    # A unit outside the scope is not a valid choice: the filter refuses it, nothing leaks.
    body = client.get(url, {"unit": org.hospital.pk}).content.decode()
    assert "人民医院" not in body


def test_detail_history_reads_as_words(login, chair, member_in_b):
    client = login(chair)
    client.post(reverse("members:member_reveal_id_number", args=[member_in_b.pk]))
    body = client.get(reverse("members:member_detail", args=[member_in_b.pk])).content.decode()
    assert "查看完整身份证号" in body
    assert "member.reveal_id_number" not in body


def test_edit_form_shows_the_masked_number_and_keeps_it_when_left_empty(login, chair, member_in_b, org):
    """The full 身份证号 is shown only through the audited reveal, not prefilled in the edit form."""
    client = login(chair)
    url = reverse("members:member_edit", args=[member_in_b.pk])
    page = client.get(url).content.decode()
    assert member_in_b.id_number not in page
    assert member_in_b.id_number_masked in page
    before = member_in_b.id_number
    data = {"name": "李四改", "org_unit": org.branch_b.pk, "employment_type": "permanent", "id_number": ""}
    data["joined_on"] = member_in_b.joined_on.isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    member_in_b.refresh_from_db()
    assert (member_in_b.name, member_in_b.id_number) == ("李四改", before)
    assert "id_number" not in AuditEntry.objects.get(action="member.update").changes
