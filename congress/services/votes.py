"""Ballots: 表决 (赞成/反对/弃权) and 民主评议 (优秀/称职/基本称职/不称职).

One ballot per delegate is the database's job: VoterRecord is unique on (ballot, delegate), so two
submissions at once (a double click, two tabs) leave exactly one; the loser's transaction rolls
back whole, choices included. A secret ballot stores who voted (VoterRecord) and, apart, what was
chosen (SecretChoice: random UUID key, no delegate, no voter record, no time).
"""

import random
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from union_office.audit import audit_record

from ..models import (
    Ballot,
    BallotItem,
    BallotStatus,
    CongressSession,
    Motion,
    OpenVote,
    SecretChoice,
    VoterRecord,
)
from .common import REVIEW, CongressError, delegate_of


def ballot_create(
    *,
    actor: Any,
    session: CongressSession,
    title: str,
    kind: str,
    secret: bool,
    items: list[str],
    motion_id: int | None = None,
) -> Ballot:
    access.require(actor, REVIEW, session.org_unit)
    labels = [label.strip()[:120] for label in items if label.strip()]
    if kind == Ballot.Kind.RESOLUTION and not labels:
        labels = [title[:120]]
    if not labels:
        raise CongressError(_("民主评议请逐行填写被评议人。"))
    if len(set(labels)) != len(labels):
        raise CongressError(_("表决事项（被评议人）有重复。"))
    if motion_id is not None and not Motion.objects.filter(pk=motion_id, session=session).exists():
        raise CongressError(_("只能表决本届的提案。"))
    with transaction.atomic():
        ballot = Ballot.objects.create(session=session, title=title, kind=kind, secret=secret, motion_id=motion_id)
        BallotItem.objects.bulk_create(
            BallotItem(ballot=ballot, label=label, position=i) for i, label in enumerate(labels)
        )
        audit_record(
            actor=actor,
            action="congress.ballot_create",
            obj=ballot,
            changes={"kind": kind, "secret": secret, "items": labels},
        )
    return ballot


def _lock_ballot(ballot_id: int) -> Ballot:
    return Ballot.objects.select_for_update(of=("self",)).select_related("session__org_unit").get(pk=ballot_id)


def ballot_open(*, actor: Any, ballot_id: int) -> Ballot:
    with transaction.atomic():
        ballot = _lock_ballot(ballot_id)
        access.require(actor, REVIEW, ballot.session.org_unit)
        if ballot.status != BallotStatus.DRAFT:
            raise CongressError(_("该表决已经开始或结束。"))
        ballot.status, ballot.opened_at = BallotStatus.OPEN, timezone.now()
        ballot.save(update_fields=["status", "opened_at", "updated_at"])
        audit_record(actor=actor, action="congress.ballot_open", obj=ballot, changes={"status": ["draft", "open"]})
    return ballot


def _rewrite_secret_choices(ballot: Ballot, adding: list[tuple[int, str]] = ()) -> None:
    """All the secret choices of `ballot` (and `adding`), deleted and written again in random order
    with new random keys, in the caller's transaction (the ballot row is locked).

    Appending one delegate's choices would leave them where their voter record is in its table:
    the rows' physical order (SQLite's rowid, PostgreSQL's heap) follows the order of voting, so a
    copy of the database taken while the ballot is open would link voter to choice (issue 17,
    finding 8). Rewritten on every cast, the whole ballot's rows lie in an order unrelated to it,
    and on PostgreSQL they share one xmin. The cost grows with the turnout: a ballot of 500
    delegates and 5 items rewrites 2,500 short rows at the last vote, tens of milliseconds.
    """
    rows = [*SecretChoice.objects.filter(item__ballot=ballot).values_list("item_id", "choice"), *adding]
    random.SystemRandom().shuffle(rows)
    SecretChoice.objects.filter(item__ballot=ballot).delete()
    SecretChoice.objects.bulk_create(
        SecretChoice(id=uuid.uuid4(), item_id=item_id, choice=choice) for item_id, choice in rows
    )


def ballot_close(*, actor: Any, ballot_id: int) -> Ballot:
    """End the vote. For a secret ballot the choice rows are rewritten in one transaction in random
    order with new keys: afterwards neither their physical order nor PostgreSQL's xmin (both set
    per insert while the vote ran) says which rows were written together with which voter record."""
    with transaction.atomic():
        ballot = _lock_ballot(ballot_id)
        access.require(actor, REVIEW, ballot.session.org_unit)
        if ballot.status != BallotStatus.OPEN:
            raise CongressError(_("该表决没有在进行中。"))
        if ballot.secret:
            _rewrite_secret_choices(ballot)
        ballot.status, ballot.closed_at = BallotStatus.CLOSED, timezone.now()
        ballot.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(actor=actor, action="congress.ballot_close", obj=ballot, changes={"status": ["open", "closed"]})
    return ballot


def ballot_cast(*, actor: Any, ballot_id: int, choices: dict[int, str]) -> None:
    """A delegate's ballot: one choice per item; a second ballot from the same delegate is refused.

    The ballot row is locked while the ballot is cast: closing takes the same lock, so a ballot
    committed before the close is counted and one arriving after it sees the closed status. Voters
    queue for a few milliseconds each; a congress has hundreds of delegates, not millions. No
    audit entry is written per ballot: for a secret one it would be exactly the link we avoid.
    """
    ballot = Ballot.objects.select_related("session").get(pk=ballot_id)
    delegate = delegate_of(actor, ballot.session)
    if delegate is None:
        raise PermissionDenied(_("只有本届职工代表可以投票。"))
    items = list(ballot.items.all())
    allowed = {c.value for c in ballot.choices}
    if set(choices) != {item.pk for item in items}:
        raise CongressError(_("请对每一项都作出选择。"))
    if any(choice not in allowed for choice in choices.values()):
        raise CongressError(_("选择无效。"))
    try:
        with transaction.atomic():
            status = (
                Ballot.objects.select_for_update(of=("self",)).filter(pk=ballot_id).values_list("status", flat=True)
            )
            if status.get() != BallotStatus.OPEN:
                raise CongressError(_("该表决不在投票时间内。"))
            voter = VoterRecord.objects.create(ballot=ballot, delegate=delegate)
            if ballot.secret:
                _rewrite_secret_choices(ballot, adding=list(choices.items()))
            else:
                OpenVote.objects.bulk_create(
                    OpenVote(voter=voter, item_id=item_id, choice=choice) for item_id, choice in choices.items()
                )
    except IntegrityError:
        raise CongressError(_("您已经投过票了，每位代表只能投一次。")) from None
