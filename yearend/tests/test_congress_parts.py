"""The congress in the year end: the summary's motion figures, and the search's motions read
through congress.selectors.motions_visible, which must agree with each session's own list."""

import datetime as dt

import pytest
from django.urls import reverse

from congress import selectors
from congress.models import Satisfaction
from congress.tests.builders import make_session, motion_draft, motion_registered, motion_submitted
from yearend import figures, stats
from yearend.search import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def motions(world):
    draft = motion_draft(world.session, world.d1, title="还在起草的提案")
    submitted = motion_submitted(world.session, world.d1, [world.d2, world.d3], title="已提交的提案")
    registered = motion_registered(world, title="已立案的提案")
    registered.satisfaction = Satisfaction.SATISFIED
    registered.save(update_fields=["satisfaction"])
    return draft, submitted, registered


def test_motion_figures_count_what_reached_the_committee(world, motions):
    data = figures.congress_figures(world.org.school, world.session.year)
    assert data["received"] == 2  # not the draft
    assert data["registered"] == 1
    assert data["closed"] == 0
    assert data["satisfied"] == 1 and data["satisfaction"] == "100.0"
    assert figures.congress_figures(world.org.hospital, world.session.year)["received"] == 0


@pytest.mark.parametrize("who", ["chair", "motions", "handler", "member", "outsider", "d1", "d2"])
def test_motions_visible_agrees_with_each_session_s_list(world, motions, who):
    user = getattr(world, who)
    user = user.member.user if hasattr(user, "member") and not hasattr(user, "username") else user
    listed = set(selectors.motion_list(user, world.session).values_list("pk", flat=True))
    if not selectors.session_list(user).filter(pk=world.session.pk).exists():
        listed = set()
    assert set(selectors.motions_visible(user).values_list("pk", flat=True)) == listed, who
    found = {hit.url for group in search(user, "提案") if group.key == "motions" for hit in group.hits}
    assert len(found) == len(listed), who


def test_the_congress_figures_link_to_the_sessions_and_motions_they_count(world, motions, login):
    """召开职代会 and 收到提案 linked to the congress front page; now to the records they count."""
    year = world.session.year
    world.session.meeting_date = dt.date(year, 3, 1)
    world.session.save(update_fields=["meeting_date"])
    make_session(world.org.school, term=1, year=year - 1, meeting_date=dt.date(year - 1, 3, 1))  # last year
    make_session(world.org.school, term=3, year=year)  # not held
    make_session(world.org.hospital, year=year, meeting_date=dt.date(year, 3, 1))  # another union
    school = stats.year_stats(world.org.school, year).total
    links = stats.figure_links(school, year)
    client = login(world.chair)
    page = client.get(links["congresses"])
    assert page.status_code == 200
    assert [s.pk for s in page.context["sessions"]] == [world.session.pk] and school.values["congresses"] == 1
    page = client.get(links["motions"])
    assert page.status_code == 200
    shown = {m.pk for m in page.context["page"].object_list}
    draft, submitted, registered = motions
    assert shown == {submitted.pk, registered.pk} and school.values["motions"] == len(shown)
    for params in ({"unit": world.org.hospital.pk}, {"unit": 999999}):
        assert not client.get(reverse("congress:motions"), params).context["page"].object_list
    assert client.get(reverse("congress:motions"), {"unit": "x", "year": "二〇二六"}).status_code == 200
