import datetime

import factory
from django.contrib.auth import get_user_model

from members.idcard import make_id_number
from members.models import Department, Member, OrgUnit, RoleGrant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "test-password-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"第{n}工会")
    kind = OrgUnit.Kind.BASE


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    org_unit = factory.SubFactory(OrgUnitFactory)


def _id_number(n: int, gender: str) -> str:
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=(n * 97) % 12000)
    return make_id_number("110105", birth, n % 500, gender)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"会员{n}")
    gender = factory.Iterator(["F", "M"])
    id_number = factory.LazyAttributeSequence(lambda o, n: _id_number(n, o.gender))
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    org_unit = factory.SubFactory(OrgUnitFactory)
    joined_on = datetime.date(2015, 9, 1)


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = "committee"
