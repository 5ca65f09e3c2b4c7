"""Ballots: one per delegate (the database says so), secret ballots that cannot be traced back,
results with the quorum only once the ballot is closed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from congress import selectors, services
from congress.models import Ballot, BallotItem, OpenVote, SecretChoice, VoterRecord

from .builders import make_delegate, user_of

pytestmark = pytest.mark.django_db


def _ballot(world, *, secret=True, kind="resolution", items=()):
    ballot = services.ballot_create(
        actor=world.motions,
        session=world.session,
        title="关于《教职工绩效工资分配方案》的决议",
        kind=kind,
        secret=secret,
        items=list(items),
    )
    return services.ballot_open(actor=world.motions, ballot_id=ballot.pk)


def _choices(ballot, choice):
    return {item.pk: choice for item in ballot.items.all()}


def test_one_ballot_per_delegate(world):
    ballot = _ballot(world)
    services.ballot_cast(actor=user_of(world.d1), ballot_id=ballot.pk, choices=_choices(ballot, "for"))
    with pytest.raises(services.CongressError, match="已经投过票"):
        services.ballot_cast(actor=user_of(world.d1), ballot_id=ballot.pk, choices=_choices(ballot, "against"))
    assert VoterRecord.objects.filter(ballot=ballot).count() == 1
    assert SecretChoice.objects.filter(item__ballot=ballot).count() == 1
    # The database itself refuses a second voter row, whatever the code above it does.
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterRecord.objects.create(ballot=ballot, delegate=world.d1)


def test_only_delegates_vote_and_only_while_open(world):
    ballot = services.ballot_create(
        actor=world.motions, session=world.session, title="决议", kind="resolution", secret=False, items=[]
    )
    with pytest.raises(services.CongressError, match="不在投票时间内"):
        services.ballot_cast(actor=user_of(world.d1), ballot_id=ballot.pk, choices=_choices(ballot, "for"))
    services.ballot_open(actor=world.motions, ballot_id=ballot.pk)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(actor=world.member, ballot_id=ballot.pk, choices=_choices(ballot, "for"))
    with pytest.raises(services.CongressError, match="选择无效"):
        services.ballot_cast(actor=user_of(world.d1), ballot_id=ballot.pk, choices=_choices(ballot, "excellent"))
    with pytest.raises(PermissionDenied):
        services.ballot_open(actor=user_of(world.d1), ballot_id=ballot.pk)


def test_secret_ballot_tables_hold_no_link_between_delegate_and_choice(world):
    # The schema: the choice table has no column pointing at a delegate, a voter or a time.
    columns = {f.column for f in SecretChoice._meta.concrete_fields}
    assert columns == {"id", "item_id", "choice"}
    voter_columns = {f.column for f in VoterRecord._meta.concrete_fields}
    assert voter_columns == {"id", "ballot_id", "delegate_id"}
    with connection.cursor() as cursor:
        table = SecretChoice._meta.db_table
        described = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        constraints = connection.introspection.get_constraints(cursor, table)
    assert described == {"id", "item_id", "choice"}
    # Its only foreign key is the ballot item: nothing leads from a choice to a delegate or a voter.
    foreign = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
    assert foreign == {BallotItem._meta.db_table}
    # The rows: after a secret vote nothing in the choice rows names the voter.
    ballot = _ballot(world, kind="appraisal", items=["张校长", "李副校长"])
    votes = {world.d1: "excellent", world.d2: "competent", world.d3: "incompetent"}
    for delegate, choice in votes.items():
        services.ballot_cast(actor=user_of(delegate), ballot_id=ballot.pk, choices=_choices(ballot, choice))
    assert not OpenVote.objects.exists()
    rows = list(SecretChoice.objects.filter(item__ballot=ballot).values())
    assert len(rows) == 6
    for row in rows:
        assert set(row) == {"id", "item_id", "choice"}
        assert row["id"].version == 4  # random, not time-based (uuid1 would carry the time)
    # Closing rewrites the rows with new keys.
    before = {row["id"] for row in rows}
    services.ballot_close(actor=world.motions, ballot_id=ballot.pk)
    after = set(SecretChoice.objects.filter(item__ballot=ballot).values_list("id", flat=True))
    assert len(after) == 6 and not before & after
    # Who voted is kept (the turnout and "one ballot each" need it), and only that.
    assert set(VoterRecord.objects.filter(ballot=ballot).values_list("delegate_id", flat=True)) == {
        world.d1.pk,
        world.d2.pk,
        world.d3.pk,
    }


def test_open_ballot_records_each_delegates_choice(world):
    ballot = _ballot(world, secret=False)
    services.ballot_cast(actor=user_of(world.d1), ballot_id=ballot.pk, choices=_choices(ballot, "against"))
    vote = OpenVote.objects.select_related("voter__delegate").get()
    assert vote.voter.delegate == world.d1 and vote.choice == "against"
    assert not SecretChoice.objects.exists()


def test_results_only_after_closing_with_the_quorum(world, org):
    # 6 delegates: quorum 4; a resolution needs more than 3 赞成.
    extra = [make_delegate(world.session, org.branch_b, f"extra{i}") for i in range(3)]
    ballot = _ballot(world)
    for delegate in (world.d1, world.d2, world.d3):
        services.ballot_cast(actor=user_of(delegate), ballot_id=ballot.pk, choices=_choices(ballot, "for"))
    assert selectors.ballot_result(ballot) is None
    ballot = services.ballot_close(actor=world.motions, ballot_id=ballot.pk)
    result = selectors.ballot_result(ballot)
    assert (result.delegates, result.voters, result.quorum) == (6, 3, 4)
    assert not result.quorum_met and result.items[0].adopted is False
    # Another ballot where the quorum is met and 4 of 6 say 赞成.
    second = _ballot(world)
    for delegate, choice in zip(
        [world.d1, world.d2, world.d3, *extra], ["for", "for", "for", "for", "against", "abstain"], strict=True
    ):
        services.ballot_cast(actor=user_of(delegate), ballot_id=second.pk, choices=_choices(second, choice))
    result = selectors.ballot_result(services.ballot_close(actor=world.motions, ballot_id=second.pk))
    assert result.quorum_met and result.items[0].adopted
    assert result.items[0].counts == [("赞成", 4), ("反对", 1), ("弃权", 1)]


def test_ballot_pages(login, world):
    ballot = _ballot(world)
    url = reverse("congress:ballot_detail", args=[ballot.pk])
    voter = login(user_of(world.d1))
    page = voter.get(url).content.decode()
    assert 'data-testid="vote-form"' in page
    item = ballot.items.get()
    assert voter.post(url, {f"item_{item.pk}": "for"}).status_code == 302
    page = voter.get(url).content.decode()
    assert 'data-testid="voted"' in page and 'data-testid="ballot-result"' not in page
    response = voter.post(url, {f"item_{item.pk}": "against"}, follow=True)
    assert "只能投一次" in response.content.decode()
    assert VoterRecord.objects.count() == 1
    committee = login(world.motions)
    committee.post(reverse("congress:ballot_status", args=[ballot.pk, "close"]))
    assert 'data-testid="ballot-result"' in committee.get(url).content.decode()
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.member).post(url, {f"item_{item.pk}": "for"}).status_code == 403
    assert Ballot.objects.get().status == "closed"


def test_the_raw_order_of_secret_choices_does_not_follow_the_voters_while_open(world, org):
    """Issue 17, finding 8: on SQLite the choice rows lay in the order of voting (rowid), the
    voter records too, so a copy of the database file linked each delegate to their choice while a
    ballot was open. Sixteen delegates vote, the first eight "for", the last eight "against"; the
    table read without ORDER BY (its physical order) must not show that pattern. A random order
    shows it once in 12,870."""
    ballot = _ballot(world)
    delegates = [make_delegate(world.session, org.school, f"voter{n}") for n in range(16)]
    for n, delegate in enumerate(delegates):
        choice = "for" if n < 8 else "against"
        services.ballot_cast(actor=user_of(delegate), ballot_id=ballot.pk, choices=_choices(ballot, choice))
    item_ids = [item.pk for item in ballot.items.all()]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT item_id, choice FROM {SecretChoice._meta.db_table}")  # no ORDER BY on purpose
        raw = [choice for item_id, choice in cursor.fetchall() if item_id in item_ids]
    assert sorted(raw) == sorted(["for"] * 8 + ["against"] * 8)
    assert raw != ["for"] * 8 + ["against"] * 8
