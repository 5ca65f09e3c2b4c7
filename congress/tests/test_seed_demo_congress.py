from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from congress import selectors
from congress.models import CongressSession, Delegate, Motion, MotionStatus


@pytest.mark.django_db
def test_demo_congress_is_created_once_after_seed_demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_congress", stdout=StringIO())
    call_command("seed_demo_congress", stdout=StringIO())
    session = CongressSession.objects.get()
    assert session.title == "第二届第一次教职工代表大会"
    delegates = Delegate.objects.filter(session=session)
    assert delegates.count() == 40
    logins = set(delegates.filter(member__user__isnull=False).values_list("member__user__username", flat=True))
    assert logins == {"chair", "committee", "women", "auditor"}
    assert dict(Motion.objects.values_list("status", "number")) == {
        MotionStatus.CLOSED: 1,
        MotionStatus.ASSIGNED: 2,
        MotionStatus.REVIEWING: None,
    }
    # A demo composition with at most a warning or two, and the quorum shown.
    assert selectors.composition(session).quorum == 27


@pytest.mark.django_db
def test_demo_congress_needs_the_demo_union():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_congress", stdout=StringIO())
