"""Races on PostgreSQL with real threads: 立案 numbers stay gapless, a delegate votes once."""

import threading
import time

import pytest
from django.db import connection

from congress import services
from congress.models import Motion, MotionStatus, SecretChoice, VoterRecord
from congress.services import motions as motion_services

from .builders import user_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
        "cannot be shared between threads; run with DATABASE_URL=postgres://…",
    ),
]


def _run_at_once(targets):
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def wrap(target):
        try:
            barrier.wait()
            outcomes.append(target())
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_numbers_are_gapless_when_the_committee_registers_at_once(world, monkeypatch):
    motions = [
        Motion.objects.create(
            session=world.session,
            proposer=world.d1,
            title=f"提案{i}",
            category="life",
            reason="r",
            proposal="p",
            status=MotionStatus.REVIEWING,
        )
        for i in range(6)
    ]
    real_audit = motion_services.audit_record
    doomed = motions[2].pk

    def slow_audit(**kwargs):
        time.sleep(0.05)  # hold the counter lock while the others queue behind it
        if kwargs["obj"].pk == doomed:
            raise RuntimeError("the audit write failed: this registration rolls back, number and all")
        return real_audit(**kwargs)

    monkeypatch.setattr(motion_services, "audit_record", slow_audit)
    outcomes = _run_at_once(
        [lambda pk=m.pk: services.motion_register(actor=world.motions, motion_id=pk).number for m in motions]
    )
    assert sum(isinstance(o, RuntimeError) for o in outcomes) == 1, outcomes
    numbers = sorted(Motion.objects.filter(number__isnull=False).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]
    world.session.refresh_from_db()
    assert world.session.last_motion_number == 5
    assert Motion.objects.get(pk=doomed).status == MotionStatus.REVIEWING


def test_one_vote_per_delegate_under_a_double_submission(world):
    for secret in (True, False):
        ballot = services.ballot_create(
            actor=world.motions,
            session=world.session,
            title=f"决议{secret}",
            kind="resolution",
            secret=secret,
            items=[],
        )
        services.ballot_open(actor=world.motions, ballot_id=ballot.pk)
        item = ballot.items.get()
        outcomes = _run_at_once(
            [
                lambda c=choice, b=ballot.pk, i=item.pk: services.ballot_cast(
                    actor=user_of(world.d1), ballot_id=b, choices={i: c}
                )
                for choice in ("for", "against")
            ]
        )
        assert sum(o is None for o in outcomes) == 1, outcomes
        assert "已经投过票" in next(o for o in outcomes if o is not None).messages[0]
        assert VoterRecord.objects.filter(ballot=ballot).count() == 1
        votes = SecretChoice.objects if secret else ballot.voters.get().open_votes
        assert votes.filter(item=item).count() == 1
