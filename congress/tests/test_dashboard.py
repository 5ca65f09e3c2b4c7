"""The 工作台 card: co-signing, rating, replying and reviewing that wait for the user."""

import datetime

import pytest
from django.urls import reverse

from congress import services

from .builders import TODAY, motion_assigned, motion_draft, user_of

pytestmark = pytest.mark.django_db


def test_the_card_lists_what_waits_for_each_person(login, world):
    # d1 invites d2; one assigned motion past its deadline for 总务处; one submitted for review.
    draft = motion_draft(world.session, world.d1, title="待附议的提案")
    services.cosigners_invite(actor=user_of(world.d1), motion_id=draft.pk, delegate_ids=[world.d2.pk])
    services.motion_move(actor=user_of(world.d1), motion_id=draft.pk, action="collect")
    motion_assigned(world, title="逾期的提案")
    from congress.models import Motion

    Motion.objects.filter(title="逾期的提案").update(due_on=TODAY - datetime.timedelta(days=1))

    page = login(user_of(world.d2)).get(reverse("dashboard")).content.decode()
    assert 'data-card="congress"' in page and 'data-testid="card-cosign"' in page and "待附议的提案" in page
    page = login(world.handler).get(reverse("dashboard")).content.decode()
    assert "待答复提案 1 件" in page and "其中逾期 1 件" in page
    page = login(world.member).get(reverse("dashboard")).content.decode()
    assert 'data-card="congress"' not in page
