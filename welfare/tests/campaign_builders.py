import datetime as dt
from decimal import Decimal

from django.utils import timezone

from members.idcard import make_id_number
from members.models import Role
from members.tests.factories import MemberFactory, RoleGrantFactory, UserFactory
from welfare.models import Campaign, CampaignTier, StudentApplication, StudentState


def county_chair(org):
    user = UserFactory(username="county_chair")
    MemberFactory(org_unit=org.county, user=user)
    RoleGrantFactory(user=user, org_unit=org.county, role=Role.CHAIR)
    return user


def campaign(org, creator, *, title="2026年金秋助学", deadline_days=20, required=()):
    today = timezone.localdate()
    c = Campaign.objects.create(
        org_unit=org.county,
        title=title,
        year=today.year,
        opens_on=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=deadline_days),
        closes_on=today + dt.timedelta(days=40),
        required_documents=list(required),
        created_by=creator,
    )
    CampaignTier.objects.create(campaign=c, name="一档", quota=5, amount=Decimal("5000.00"), years=4)
    CampaignTier.objects.create(campaign=c, name="二档", quota=15, amount=Decimal("2000.00"), years=1)
    return c


def student_id(n: int) -> str:
    return make_id_number("130534", dt.date(2008, 3, 1) + dt.timedelta(days=n), n % 900 + 1, "F" if n % 2 else "M")


def ready_for_approval(c, member, creator, n: int) -> StudentApplication:
    """An application at 上级工会审核通过, written directly (for quota tests)."""
    a = StudentApplication(
        campaign=c,
        member=member,
        org_unit=member.org_unit,
        student_name=f"学生{n}",
        school="河北大学",
        admission="二本",
        reason="家庭困难",
        state=StudentState.UPPER_REVIEWED,
        created_by=creator,
        visited_on=timezone.localdate(),
        visitors="工会主席",
        visit_findings="情况属实",
    )
    a.set_student_id(student_id(n))
    a.save()
    return a


def county_treasurer(org):
    """The county's 财务: pays the campaign's grants from the county's books."""
    user = UserFactory(username="county_treasurer")
    MemberFactory(org_unit=org.county, user=user)
    RoleGrantFactory(user=user, org_unit=org.county, role=Role.TREASURER)
    return user
