"""Races on PostgreSQL with real threads: 立案 numbers stay gapless, a delegate votes once."""

import time

import pytest
from django.db import connection

from congress import services
from congress.models import Motion, MotionStatus, SecretChoice, VoterRecord
from union_office import workflow as kernel
from union_office.testing import run_at_once

from .builders import user_of

CHOICES = ("for", "against")  # one delegate submitting twice at once, each time differently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (select_for_update is a no-op) and its in-memory test database "
        "cannot be shared between threads; run with DATABASE_URL=postgres://…",
    ),
]


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
    # 立案 is taken by the workflow kernel, which writes the step's audit entry.
    real_audit = kernel.audit_record
    doomed = motions[2].pk

    def slow_audit(**kwargs):
        time.sleep(0.05)  # hold the counter lock while the others queue behind it
        if kwargs["obj"].pk == doomed:
            raise RuntimeError("the audit write failed: this registration rolls back, number and all")
        return real_audit(**kwargs)

    monkeypatch.setattr(kernel, "audit_record", slow_audit)
    outcomes = run_at_once(
        lambda n: services.motion_register(actor=world.motions, motion_id=motions[n].pk).number,
        len(motions),
        refusals=(RuntimeError,),
    )
    assert sum(isinstance(o.refusal, RuntimeError) for o in outcomes) == 1, outcomes
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
        outcomes = run_at_once(
            lambda n, b=ballot.pk, i=item.pk: services.ballot_cast(
                actor=user_of(world.d1), ballot_id=b, choices={i: CHOICES[n]}
            ),
            len(CHOICES),
            refusals=(services.CongressError,),
        )
        assert sum(o.ok for o in outcomes) == 1, outcomes
        assert "已经投过票" in next(o.message for o in outcomes if not o.ok)
        assert VoterRecord.objects.filter(ballot=ballot).count() == 1
        votes = SecretChoice.objects if secret else ballot.voters.get().open_votes
        assert votes.filter(item=item).count() == 1
