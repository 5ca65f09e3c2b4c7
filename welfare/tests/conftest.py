import datetime as dt

import pytest
from django.utils import timezone

from finance.tests.builders import approved_budget
from members.tests.factories import MemberFactory, UserFactory
from welfare.services import aid as aid_services

TODAY = dt.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def budget(org):
    year = timezone.localdate().year
    return approved_budget(org.school, year, {"50102": "50000.00", "50201": "50000.00", "50202": "50000.00"})


@pytest.fixture
def neighbour(org):
    """Another member of 分工会 B with a login: same unit as `member`, no business with their aid."""
    user = UserFactory(username="neighbour", first_name="neighbour")
    MemberFactory(name="邻居", org_unit=org.branch_b, user=user)
    return user


@pytest.fixture
def applicant(member):
    """The `member` persona's Member record (分工会 B)."""
    return member.member


def advance(application, state: str, *, chair, **extra):
    """Walk an application forward to `state` through the services (the happy path)."""
    steps = [
        ("submit", {}),
        ("screen", {}),
        ("verify", {"visited_on": timezone.localdate(), "visitors": "王建国、李晓梅", "findings": "情况属实"}),
        ("decide", {"amount_granted": "3000.00"}),
        ("publish", {}),
    ]
    order = ["draft", "submitted", "screened", "verified", "approved", "notice"]
    for position, (action, fields) in enumerate(steps):
        if order.index(state) <= position:
            break
        if order.index(application.state) > position:
            continue
        fields = {**fields, **extra.get(action, {})}
        application = aid_services.aid_transition(actor=chair, application_id=application.pk, action=action, **fields)
    return application


def end_notice(application):
    """Move the 公示 period into the past (as if N days had gone by)."""
    from welfare.models import AidApplication

    today = timezone.localdate()
    AidApplication.objects.filter(pk=application.pk).update(
        notice_starts_on=today - dt.timedelta(days=6), notice_ends_on=today - dt.timedelta(days=1)
    )
    application.refresh_from_db()
    return application
