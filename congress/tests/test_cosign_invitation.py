"""Issue 16: an invited co-signer is told, follows the link and can open and co-sign the motion."""

import pytest
from django.urls import reverse

from congress import services
from congress.models import MotionStatus
from union_office.notifications import Notification

from .builders import motion_draft, user_of

pytestmark = pytest.mark.django_db


def test_the_invited_delegate_is_told_once_and_can_open_the_motion(world, login):
    motion = motion_draft(world.session, world.d1)
    proposer, invited = user_of(world.d1), user_of(world.d2)
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk])
    services.cosigners_invite(actor=proposer, motion_id=motion.pk, delegate_ids=[world.d2.pk])  # again: no new notice
    [notice] = Notification.objects.filter(recipient=invited)
    assert notice.kind == "congress.cosign_invited"
    assert motion.title in notice.subject
    assert notice.url == reverse("congress:motion_detail", args=[motion.pk])
    # Following the link works before the proposer starts collecting (it was a 404).
    assert login(invited).get(notice.url).status_code == 200
    services.motion_move(actor=proposer, motion_id=motion.pk, action="collect")
    services.cosigner_confirm(actor=invited, motion_id=motion.pk)
    motion.refresh_from_db()
    assert motion.status == MotionStatus.COLLECTING
    assert not Notification.objects.filter(recipient=user_of(world.d3)).exists()
