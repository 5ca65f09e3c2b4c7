"""The project's main forms, posted through their real views with hostile values (issue 9).

For each view, as a persona allowed to submit:

- an invalid submission (one field overlong, holding NUL, a non-amount, a non-date, a foreign key
  that is not a number ...; the free-text fields hostile too) is answered with the form again and
  its errors, or a 4xx; never a 500. Nothing is saved: the rows of the view's models and the audit
  trail are unchanged.
- a valid submission whose free-text fields carry hostile but storable content (SQL, HTML/JS,
  control characters, bidi overrides, emoji, the full max_length) is saved as typed, and the page
  it leads to shows it escaped.

tests/hostile/test_forms_direct.py feeds every form class without its view.
"""

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib import messages
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from activities.models import Event
from congress.tests.builders import MOTION_TEXT, world  # noqa: F401  (world: the fixture)
from finance.models import Account
from members.idcard import make_id_number
from members.tests.factories import MemberFactory
from union_office.limits import LONG_TEXT
from union_office.models import AuditEntry

from . import strategies as hostile

ERROR_MARKERS = ("is-invalid", "invalid-feedback", "errorlist", "alert-danger", "text-danger")
SOON = timezone.localdate() + dt.timedelta(days=5)


@dataclass
class View:
    url: Callable[[SimpleNamespace], str]
    user: str  # attribute of the context: who submits
    data: Callable[[SimpleNamespace], dict[str, Any]]  # a valid submission
    models: tuple[str, ...]  # whose rows an invalid submission must leave alone
    # Free-text fields and their max_length (issue 17: every one has a limit, union_office.limits) ...
    text: dict[str, int | None] = field(default_factory=dict)
    # ... where a valid submission is saved: model label and form field -> attribute.
    saved: tuple[str, dict[str, str]] | None = None
    # Other fields and values that must be refused.
    invalid: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    # The view answers every post with a redirect, and a refusal with an error message.
    redirects: bool = False


def _amount(max_digits: int = 14, decimal_places: int = 2, min_value: float | None = 0.01) -> Any:
    return hostile.invalid_amounts(max_digits=max_digits, decimal_places=decimal_places, min_value=min_value)


# Not "١": int() reads Arabic-Indic digits, so it is the key 1.
NOT_A_KEY = st.sampled_from(["abc", "-1", "99999999999", "1 OR 1=1", "'; DROP TABLE x; --", "1.5", "\x00"])
NOT_A_DATETIME = hostile.invalid_dates().map(lambda d: f"{d}T08:00")


def _event_data(c: SimpleNamespace) -> dict[str, Any]:
    return {
        "title": "五一健步走",
        "kind": "labour_day",
        "org_unit": c.org.school.pk,
        "starts_at": f"{SOON:%Y-%m-%d}T09:00",
        "ends_at": f"{SOON:%Y-%m-%d}T11:00",
        "place": "操场",
        "eligibility": "all",
        "capacity": "100",
        "budget": "2000",
        "description": "说明",
    }


_years = itertools.count()
_people = itertools.count(7000)


def _new_id_number() -> str:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=next(_people) % 9000)
    return make_id_number("110105", birth, next(_people) % 900, "M")


def _next_year() -> str:
    return str(2000 + next(_years) % 101)


VIEWS: dict[str, View] = {
    "finance:entry_create": View(
        url=lambda c: "/finance/entries/new/",
        user="treasurer",
        data=lambda c: {
            "org_unit": c.org.school.pk,
            "date": f"{SOON.year}-01-15",
            "account": Account.objects.get(code="50101").pk,
            "amount": "100.00",
            "summary": "购买文体用品",
            "counterparty": "体育用品店",
            "token": uuid.uuid4().hex,
        },
        models=("finance.LedgerEntry",),
        text={"summary": 200, "counterparty": 100},
        saved=("finance.LedgerEntry", {"summary": "summary", "counterparty": "counterparty"}),
        invalid={
            "amount": _amount(),
            "date": hostile.invalid_dates(),
            "account": NOT_A_KEY,
            "org_unit": NOT_A_KEY,
            "token": st.sampled_from(["", "a b", "<script>", "x" * 41]),
        },
    ),
    "welfare:aid_create": View(
        url=lambda c: "/welfare/aid/new/",
        user="member",
        data=lambda c: {"kind": "illness", "amount_requested": "3000", "reason": "住院治疗", "submit_now": ""},
        models=("welfare.AidApplication",),
        text={"reason": 4000},
        saved=("welfare.AidApplication", {"reason": "reason"}),
        invalid={"amount_requested": _amount(12, 2, 1), "kind": NOT_A_KEY},
    ),
    "welfare:file_create": View(
        url=lambda c: "/welfare/files/new/",
        user="chair",
        data=lambda c: {
            # One 在档 file per household: a new member for each submission.
            "id_number": MemberFactory(org_unit=c.org.branch_b).id_number,
            "level": "deep",
            "causes": ["illness"],
            "monthly_income": "2000",
            "situation": "家庭情况",
            "family": "王芳，妻子，1982，无业，0，慢性病",
        },
        models=("welfare.HardshipFile", "welfare.FamilyMember"),
        text={"situation": LONG_TEXT},
        saved=("welfare.HardshipFile", {"situation": "situation"}),
        invalid={
            "monthly_income": _amount(12, 2, 0),
            "id_number": st.sampled_from(["", "x" * 19, "110105197001010000", "'; DROP TABLE x; --"]),
            "family": st.sampled_from(
                [
                    "王芳" * 30 + "，妻子，1982，无业，0，健康",
                    "王芳，妻子，1982，无业，1e30，健康",
                    "王芳，妻子，1982，无业，nan，健康",
                    "王芳，妻子，1982，无业，-1，健康",
                    "王芳，妻子，0000，无业，0，健康",
                    "王芳，妻子" * 20 + "，1982，无业，0，健康",
                    "，妻子，1982，无业，0，健康",  # no name
                ]
            ),
        },
    ),
    "activities:event_create": View(
        url=lambda c: "/activities/new/",
        user="chair",
        data=_event_data,
        models=("activities.Event",),
        text={"title": 200, "place": 200, "description": LONG_TEXT},
        saved=("activities.Event", {"title": "title", "place": "place", "description": "description"}),
        invalid={
            "budget": _amount(min_value=0),
            "capacity": st.sampled_from(["-1", "2147483648", "1e3", "abc", "100000000000"]),
            "items_per_person": st.sampled_from(["-1", "32768", "99999999999"]),
            "starts_at": NOT_A_DATETIME,
            "org_unit": NOT_A_KEY,
            "responsible": NOT_A_KEY,
        },
    ),
    "activities:item_add": View(
        url=lambda c: f"/activities/{c.event.pk}/items/",
        user="chair",
        data=lambda c: {"name": "拔河", "capacity": "20"},
        models=("activities.SubEvent",),
        text={"name": 100},
        saved=("activities.SubEvent", {"name": "name"}),
        invalid={"capacity": st.sampled_from(["0", "-1", "2147483648", "99999999999999999999", "x"])},
        redirects=True,
    ),
    "activities:schedule_create": View(
        url=lambda c: "/activities/schedules/new/",
        user="chair",
        data=lambda c: {
            "title": "全员健身",
            "kind": "contest",
            "org_unit": c.org.school.pk,
            "recurrence": "weekly",
            "weekday": "4",
            "start_time": "14:00",
            "end_time": "17:00",
            "starts_on": "2026-01-01",
            "place": "体育馆",
            "audience": "subtree",
            "eligibility": "all",
            "audience_reminders": "auto",
        },
        models=("activities.Schedule",),
        text={"title": 200, "place": 200},
        saved=("activities.Schedule", {"title": "title", "place": "place"}),
        invalid={
            "weekday": st.sampled_from(["7", "-1", "32768", "x"]),
            "starts_on": hostile.invalid_dates(),
            "start_time": st.sampled_from(["25:00", "x", "-1:00"]),
        },
    ),
    "congress:session_create": View(
        url=lambda c: "/congress/sessions/new/",
        user="chair",
        data=lambda c: {
            "org_unit": c.org.school.pk,
            "kind": "teachers",
            "term": "3",
            "meeting": "1",
            "year": str(SOON.year),
            "meeting_date": f"{SOON:%Y-%m-%d}",
            "motions_open_on": f"{SOON:%Y-%m-%d}",
            "motions_close_on": f"{SOON + dt.timedelta(days=10):%Y-%m-%d}",
            "min_cosigners": "2",
            "reply_due_on": f"{SOON + dt.timedelta(days=60):%Y-%m-%d}",
            "frontline_min_percent": "50",
            "leaders_max_percent": "20",
            "women_margin_percent": "5",
        },
        models=("congress.CongressSession",),
        invalid={
            "org_unit": NOT_A_KEY,
            # Past the column's range only: SessionForm runs the model's validators, whose range is
            # the database's (SQLite's is 64 bits).
            "term": st.sampled_from(["-1", "99999999999999999999", "x", "1e3"]),
            "year": st.sampled_from(["-1", "99999999999999999999", "x", "1e3"]),
            "meeting_date": hostile.invalid_dates(),
        },
    ),
    "congress:suggestions": View(
        url=lambda c: f"/congress/sessions/{c.world.session.pk}/suggestions/",
        user="member",
        data=lambda c: {"title": "增加午休室", "content": "教师午休无处可去。"},
        models=("congress.Suggestion",),
        text={"title": 120, "content": LONG_TEXT},
        saved=("congress.Suggestion", {"title": "title", "content": "content"}),
    ),
    "congress:motion_create": View(
        url=lambda c: f"/congress/sessions/{c.world.session.pk}/motions/new/",
        user="delegate",
        data=lambda c: dict(MOTION_TEXT),
        models=("congress.Motion",),
        text={"title": 120, "reason": LONG_TEXT, "proposal": LONG_TEXT},
        saved=("congress.Motion", {"title": "title", "reason": "reason", "proposal": "proposal"}),
        invalid={"category": NOT_A_KEY},
    ),
    "activities:group_create": View(
        url=lambda c: "/activities/groups/new/",
        user="chair",
        data=lambda c: {
            "name": "摄影小组",
            "org_unit": c.org.school.pk,
            "leader": c.chair.member.pk,
            "description": "每月外拍一次",
        },
        models=("activities.InterestGroup",),
        text={"name": 100, "description": LONG_TEXT},
        saved=("activities.InterestGroup", {"name": "name", "description": "description"}),
        invalid={"leader": NOT_A_KEY, "org_unit": NOT_A_KEY},
    ),
    "members:transfer_in": View(
        url=lambda c: "/members/transfer-in/",
        user="chair",
        data=lambda c: {
            "to_unit": c.org.school.pk,
            "id_number": _new_id_number(),
            "name": "王五",
            "phone": "13800000000",
            "employment_type": "permanent",
            "external_unit": "外县教育工会",
            "effective_on": f"{timezone.localdate():%Y-%m-%d}",
            "reason": "工作调动",
        },
        models=("members.MembershipChange", "members.Member"),
        text={"external_unit": 100, "reason": 1000},
        saved=("members.MembershipChange", {"external_unit": "external_unit", "reason": "reason"}),
        invalid={
            "id_number": st.sampled_from(["110105197001010000", "x" * 31, "'; DROP TABLE x; --", "<script>"]),
            "effective_on": hostile.invalid_dates(),
            "to_unit": NOT_A_KEY,
        },
    ),
    "congress:ballots": View(
        url=lambda c: f"/congress/sessions/{c.world.session.pk}/ballots/",
        user="chair",
        data=lambda c: {"title": "表决大会决议", "kind": "resolution", "secret": "on", "items": ""},
        models=("congress.Ballot", "congress.BallotItem"),
        text={"title": 150},
        saved=("congress.Ballot", {"title": "title"}),
        invalid={"kind": NOT_A_KEY, "motion": NOT_A_KEY},
    ),
    "plans:create": View(
        url=lambda c: "/plans/new/",
        user="chair",
        # One plan per unit and year: another year for each submission.
        data=lambda c: {
            "mode": "empty",
            "new-org_unit": c.org.school.pk,
            "new-year": _next_year(),
            "new-title": "计划",
        },
        models=("plans.Plan",),
        text={"new-title": 200},
        saved=("plans.Plan", {"new-title": "title"}),
        invalid={"new-year": st.sampled_from(["1999", "2101", "32768", "x", "-1"]), "new-org_unit": NOT_A_KEY},
    ),
}


@pytest.fixture
def context(org, chair, treasurer, member, member_in_b, world, settings, tmp_path):  # noqa: F811
    settings.FINANCE_BUDGET_CHECK = "warn"  # the books, not the budget, are under test
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from activities import services as activity_services

    event = activity_services.event_create(
        actor=chair,
        org_unit=org.school,
        title="运动会",
        kind="contest",
        starts_at=timezone.make_aware(dt.datetime.combine(SOON, dt.time(9))),
        ends_at=timezone.make_aware(dt.datetime.combine(SOON, dt.time(17))),
    )
    return SimpleNamespace(
        org=org,
        chair=chair,
        treasurer=treasurer,
        member=member,
        member_in_b=member_in_b,
        world=world,
        delegate=world.d1.member.user,
        event=event if isinstance(event, Event) else event[0],
    )


def _counts(labels: tuple[str, ...]) -> dict[str, int]:
    counts = {label: apps.get_model(label).objects.count() for label in labels}
    counts["audit"] = AuditEntry.objects.count()
    return counts


def _shows_errors(response) -> bool:
    contexts = response.context if isinstance(response.context, list) else [response.context or {}]
    values = [v for context in contexts for v in (context.flatten() if hasattr(context, "flatten") else {}).values()]
    with_errors = [v for v in values if isinstance(v, forms.BaseForm) and v.is_bound and v.errors]
    return bool(with_errors) and any(marker in response.text for marker in ERROR_MARKERS)


SETTINGS = hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_plain_submission_is_accepted(name, context, client):
    """So that the refusals below are refusals of the hostile value, not of the rest of the data."""
    view = VIEWS[name]
    client.force_login(getattr(context, view.user))
    before = _counts(view.models)
    response = client.post(view.url(context), view.data(context))
    assert response.status_code == 302, _shows_errors(response) and response.context["form"].errors
    assert not any(m.level == messages.ERROR for m in messages.get_messages(response.wsgi_request))
    assert _counts(view.models)[view.models[0]] == before[view.models[0]] + 1


def _invalid_values(view: View) -> dict[str, st.SearchStrategy[Any]]:
    refused = dict(view.invalid)
    for name, max_length in view.text.items():
        nul = st.sampled_from(["测\x00试", "\x00", '<script>alert("hostile")</script>\x00'])
        refused[name] = st.one_of(nul, hostile.overlong_text(max_length)) if max_length else nul
    return refused


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VIEWS))
@SETTINGS
@given(data=st.data())
def test_invalid_submission_is_refused_and_saves_nothing(name, context, client, data):
    view = VIEWS[name]
    client.force_login(getattr(context, view.user))
    refused = _invalid_values(view)
    target = data.draw(st.sampled_from(sorted(refused)), label="invalid field")
    values = view.data(context)
    for text_field, max_length in view.text.items():
        values[text_field] = data.draw(hostile.storable_text(max_length), label=text_field)
    values[target] = data.draw(refused[target], label=target)
    before = _counts(view.models)

    response = client.post(view.url(context), values)  # an exception in the view fails here

    if view.redirects:
        assert response.status_code == 302
        assert any(m.level == messages.ERROR for m in messages.get_messages(response.wsgi_request))
    else:
        assert response.status_code == 200 and _shows_errors(response) or 400 <= response.status_code < 500, (
            response.status_code
        )
    assert _counts(view.models) == before
    hostile.assert_escaped(response.text if response.status_code == 200 else response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(name for name, view in VIEWS.items() if view.saved))
@SETTINGS
@given(data=st.data())
def test_hostile_text_is_saved_as_typed_and_shown_escaped(name, context, client, data):
    view = VIEWS[name]
    client.force_login(getattr(context, view.user))
    values = view.data(context)
    for text_field, max_length in view.text.items():
        text = data.draw(
            st.one_of(st.sampled_from(hostile.XSS_PAYLOADS).map(hostile._printable), hostile.storable_text(max_length)),
            label=text_field,
        )
        # Unique, so that names which must be unique (a 比赛项目's) do not collide between examples.
        values[text_field] = (uuid.uuid4().hex[:6] + text)[:max_length]
    label, attributes = view.saved
    model = apps.get_model(label)
    newest = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = client.post(view.url(context), values)

    assert response.status_code == 302, _shows_errors(response) and response.context["form"].errors
    assert not any(m.level == messages.ERROR for m in messages.get_messages(response.wsgi_request))
    row = model.objects.filter(pk__gt=newest).order_by("-pk").first()
    assert row is not None
    for form_field, attribute in attributes.items():
        assert getattr(row, attribute) == values[form_field].strip(), form_field
    page = client.get(response["Location"])
    assert page.status_code == 200
    hostile.assert_escaped(page.text)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "1 OR 1=1", "\x00", "-1", "99999999999999999999", "²"])
def test_posted_ids_that_are_not_numbers_are_refused(context, client, value):
    """Views that look up a posted id themselves (not through a form field)."""
    client.force_login(context.chair)
    response = client.post(f"/activities/{context.event.pk}/results/", {"entry": value, "rank": "1"})
    assert response.status_code == 302
    assert any(m.level == messages.ERROR for m in messages.get_messages(response.wsgi_request))

    client.force_login(context.treasurer)
    response = client.post("/finance/import/", {"unit": value})
    assert response.status_code == 400 and "请选择记账单位。" in response.text

    client.force_login(context.chair)
    data = VIEWS["congress:session_create"].data(context) | {"org_unit": value}
    before = _counts(("congress.CongressSession",))
    assert client.post("/congress/sessions/new/", data).status_code == 404
    assert _counts(("congress.CongressSession",)) == before
