"""Issue 17, finding 2: a uniqueness check never discloses another union's roster.

Entering someone else's ID number used to answer "该身份证号已在花名册中：<name>（<unit>，在册）" to
anyone: a committee member of the hospital, or a newcomer applying to join, learned who holds a
number and where. Outside the asker's roster scope the answer now names no person, unit or status.
"""

from django.urls import reverse

from members.membership import NEUTRAL_DUPLICATE
from members.models import Member
from members.tests.factories import UserFactory


def _create_data(org, unit, number):
    return {
        "name": "王五",
        "id_number": number,
        "org_unit": unit.pk,
        "employment_type": "permanent",
        "joined_on": "2012-03-01",
        "phone": "",
    }


def test_another_unions_committee_learns_nothing_from_a_duplicate(login, org, other_committee, member_in_a):
    response = login(other_committee).post(
        reverse("members:member_create"), _create_data(org, org.ward, member_in_a.id_number)
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert str(NEUTRAL_DUPLICATE) in body
    for disclosed in ("张三", "语文组工会小组", "第一中学", "，在册"):
        assert disclosed not in body.split("<main", 1)[-1], disclosed
    assert not Member.objects.filter(name="王五").exists()


def test_the_own_unions_chair_is_told_who_holds_the_number(login, org, chair, member_in_a):
    body = (
        login(chair)
        .post(reverse("members:member_create"), _create_data(org, org.branch_a, member_in_a.id_number))
        .content.decode()
    )
    assert "该身份证号已在花名册中：张三（语文组工会小组，在册）" in body


def test_a_newcomer_applying_to_join_learns_nothing_from_a_duplicate(login, org, member_in_b):
    client = login(UserFactory(username="newcomer"))
    data = {"org_unit": org.branch_b.pk, "name": "王五", "id_number": member_in_b.id_number, "phone": "139"}
    body = client.post(reverse("members:join_apply"), data | {"employment_type": "permanent"}).content.decode()
    assert str(NEUTRAL_DUPLICATE) in body
    assert "李四" not in body


def test_the_model_check_names_nobody(org, member_in_a):
    from django.core.exceptions import ValidationError

    twin = Member(name="王五", org_unit=org.ward, id_number=member_in_a.id_number, employment_type="permanent")
    try:
        twin.full_clean()
    except ValidationError as exc:
        message = " ".join(exc.message_dict["id_number"])
    assert "张三" not in message and "语文组" not in message and "已在花名册中登记" in message
