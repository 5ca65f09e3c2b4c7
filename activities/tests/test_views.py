"""The screens: who gets 200, 403, 404 and 405, the htmx sign-up panel, query counts of the list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Eligibility, Event, Recurrence, Schedule, SignUp, SubEvent

from .factories import EventFactory, member_of, person


@pytest.fixture
def event(org):
    return EventFactory(
        org_unit=org.school, kind=Event.Kind.SPORTS_DAY, title="春季运动会", capacity=1, items_per_person=2
    )


def test_login_is_needed(client, event):
    response = client.get(reverse("activities:event_detail", args=[event.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "activities:index",
        "activities:calendar",
        "activities:schedules",
        "activities:groups",
        "activities:feed_settings",
    ],
)
def test_member_pages_work(login, member, event, name):
    assert login(member).get(reverse(name)).status_code == 200


def test_organiser_pages_work(login, chair, event):
    client = login(chair)
    for name in (
        "activities:event_create",
        "activities:schedule_create",
        "activities:group_create",
        "activities:policies",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    for name in ("event_detail", "event_edit", "check_in_page", "roster_print", "results"):
        assert client.get(reverse(f"activities:{name}", args=[event.pk])).status_code == 200, name


def test_a_plain_member_gets_403_on_organiser_pages(login, member, event):
    client = login(member)
    assert client.get(reverse("activities:event_detail", args=[event.pk])).status_code == 200
    for name in ("event_edit", "check_in_page", "roster_print"):
        assert client.get(reverse(f"activities:{name}", args=[event.pk])).status_code == 403, name
    assert client.get(reverse("activities:event_create")).status_code == 403
    assert client.post(reverse("activities:event_transition", args=[event.pk, "start"])).status_code == 403
    assert client.post(reverse("activities:expense_create", args=[event.pk])).status_code == 403


def test_another_union_gets_404(login, outsider, other_committee, event):
    for user in (outsider, other_committee):
        client = login(user)
        for name in ("event_detail", "event_edit", "check_in_page", "results"):
            assert client.get(reverse(f"activities:{name}", args=[event.pk])).status_code == 404, name
        assert client.post(reverse("activities:signup", args=[event.pk])).status_code == 404


def test_wrong_method_is_405(login, member, event):
    client = login(member)
    assert client.get(reverse("activities:signup", args=[event.pk])).status_code == 405
    assert client.post(reverse("activities:event_detail", args=[event.pk])).status_code == 405
    assert client.post(reverse("activities:calendar")).status_code == 405


def test_sign_up_and_cancel_with_htmx(login, member, org, event):
    client = login(member)
    response = client.post(reverse("activities:signup", args=[event.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="signup-panel"' in response.text and "已报名" in response.text and "<html" not in response.text
    assert SignUp.objects.get(event=event).status == "signed_up"
    response = client.post(reverse("activities:cancel", args=[event.pk]), headers={"HX-Request": "true"})
    assert "我要报名" in response.text
    assert SignUp.objects.get(event=event).status == "cancelled"


def test_a_refusal_is_shown_in_the_panel(login, member, org):
    event = EventFactory(
        org_unit=org.school, kind=Event.Kind.WOMENS_DAY, eligibility=Eligibility.WOMEN, title="三八节插花"
    )
    member_of(member, gender="M")
    client = login(member)
    page = client.get(reverse("activities:event_detail", args=[event.pk]))
    assert "本活动仅限女职工参加，您不在报名范围内。" in page.text and "我要报名" not in page.text
    response = client.post(reverse("activities:signup", args=[event.pk]), headers={"HX-Request": "true"})
    assert "本活动仅限女职工参加，您不在报名范围内。" in response.text
    assert not SignUp.objects.exists()


def test_a_full_event_offers_the_waitlist(login, member, org, event):
    services.signup_create(actor=person(org.branch_b).user, event_id=event.pk)
    client = login(member)
    assert "名额已满，报名候补" in client.get(reverse("activities:event_detail", args=[event.pk])).text
    response = client.post(reverse("activities:signup", args=[event.pk]), headers={"HX-Request": "true"})
    assert "您是候补第 1 位" in response.text


def test_items_are_toggled_from_the_panel(login, member, event):
    tug = SubEvent.objects.create(event=event, name="拔河")
    client = login(member)
    client.post(reverse("activities:signup", args=[event.pk]))
    response = client.post(reverse("activities:item_toggle", args=[event.pk, tug.pk]), headers={"HX-Request": "true"})
    assert "已报（点击退出）" in response.text and tug.entries.count() == 1
    client.post(reverse("activities:item_toggle", args=[event.pk, tug.pk]), headers={"HX-Request": "true"})
    assert tug.entries.count() == 0


def test_check_in_on_the_phone_page(login, chair, member, event):
    signup = services.signup_create(actor=member, event_id=event.pk)
    client = login(chair)
    page = client.get(reverse("activities:check_in_page", args=[event.pk]))
    assert member_of(member).name in page.text
    response = client.post(reverse("activities:check_in", args=[event.pk, signup.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="signup-{signup.pk}"' in response.text
    assert SignUp.objects.get(pk=signup.pk).status == "checked_in"
    assert "已签到" in client.get(reverse("activities:roster_print", args=[event.pk])).text


def test_create_an_event_through_the_form(login, chair, org):
    client = login(chair)
    starts = (timezone.localtime() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("activities:event_create"),
        {
            "title": "五一健步走",
            "kind": "labour_day",
            "org_unit": org.school.pk,
            "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
            "ends_at": f"{starts + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "eligibility": "all",
            "capacity": "100",
            "budget": "2000",
        },
    )
    event = Event.objects.get(title="五一健步走")
    assert response.status_code == 302 and response["Location"] == reverse("activities:event_detail", args=[event.pk])
    assert (event.capacity, event.budget, event.account.code) == (100, Decimal("2000.00"), "50101")


def test_the_form_shows_the_services_messages(login, chair, org):
    starts = timezone.localtime() + dt.timedelta(days=5)
    response = login(chair).post(
        reverse("activities:event_create"),
        {
            "title": "倒着的活动",
            "kind": "other",
            "org_unit": org.school.pk,
            "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
            "ends_at": f"{starts - dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "eligibility": "all",
        },
    )
    assert response.status_code == 200 and "结束时间不能早于开始时间。" in response.text
    assert not Event.objects.exists()


def test_schedule_form_and_detail(login, chair, org):
    client = login(chair)
    response = client.post(
        reverse("activities:schedule_create"),
        {
            "title": "全员健身",
            "kind": "contest",
            "org_unit": org.school.pk,
            "recurrence": "weekly",
            "weekday": "4",
            "start_time": "14:00",
            "end_time": "17:00",
            "starts_on": "2026-01-01",
            "audience": "subtree",
            "eligibility": "all",
            "audience_reminders": "auto",
        },
    )
    schedule = Schedule.objects.get()
    assert response.status_code == 302 and schedule.recurrence == Recurrence.WEEKLY and schedule.weekday == 4
    assert "每周五 14:00–17:00" in client.get(reverse("activities:schedule_detail", args=[schedule.pk])).text


def _reading_club(org):
    """The schedule form's fields but the rule."""
    return {
        "title": "读书分享会",
        "kind": "contest",
        "org_unit": org.school.pk,
        "start_time": "14:00",
        "end_time": "17:00",
        "starts_on": "2026-01-01",
        "audience": "subtree",
        "eligibility": "all",
        "audience_reminders": "auto",
    }


@pytest.mark.parametrize(
    ("rule", "described"),
    [
        ({"recurrence": "nth_weekday", "weekday": "2", "week_of_month": "1"}, "每月第一个周三 14:00–17:00"),
        ({"recurrence": "nth_weekday", "weekday": "4", "week_of_month": "-1"}, "每月最后一个周五 14:00–17:00"),
        ({"recurrence": "biweekly", "weekday": "4"}, "每两周周五 14:00–17:00"),
    ],
)
def test_schedule_form_offers_the_nth_weekday_and_every_other_week(login, chair, org, rule, described):
    client = login(chair)
    form = client.get(reverse("activities:schedule_create")).text
    assert 'name="week_of_month"' in form and "最后一个" in form and "两周一次" in form
    response = client.post(reverse("activities:schedule_create"), _reading_club(org) | rule)
    schedule = Schedule.objects.get()
    assert response.status_code == 302
    assert described in client.get(reverse("activities:schedule_detail", args=[schedule.pk])).text


def test_schedule_form_asks_which_week_of_the_month(login, chair, org):
    response = login(chair).post(
        reverse("activities:schedule_create"), _reading_club(org) | {"recurrence": "nth_weekday", "weekday": "2"}
    )
    assert response.status_code == 200 and "请选择每月的第几个（第一至第四个或最后一个）。" in response.text
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("rows", [1, 30])
def test_event_list_query_count_does_not_grow(login, member, org, rows, django_assert_num_queries):
    for i in range(rows):
        EventFactory(org_unit=org.school, title=f"活动{i}")
    client = login(member)
    client.get(reverse("activities:index"))  # warm the session and the user's grants
    with django_assert_num_queries(5):
        response = client.get(reverse("activities:index"))
    assert response.text.count('href="/activities/') >= rows


def test_group_screens(login, chair, member, org):
    leader = person(org.branch_b, name="组长")
    group = services.group_create(actor=chair, org_unit=org.school, name="摄影小组", leader=leader)
    client = login(member)
    assert "摄影小组" in client.get(reverse("activities:groups")).text
    client.post(reverse("activities:group_membership", args=[group.pk]))
    assert group.memberships.count() == 2
    client = login(leader.user)
    client.post(
        reverse("activities:group_plan_save", args=[group.pk]),
        {"year": 2026, "content": "每月外拍", "budget_requested": "1500"},
    )
    plan = group.plans.get()
    client.post(reverse("activities:group_plan_transition", args=[plan.pk, "submit"]))
    client = login(chair)
    client.post(reverse("activities:group_plan_transition", args=[plan.pk, "approve"]), {"budget_approved": "1200"})
    plan.refresh_from_db()
    assert (plan.status, plan.budget_approved) == ("approved", Decimal("1200.00"))


def test_the_organiser_signs_up_a_retiree_by_name(login, chair, member, org):
    from members.models import Member

    event = EventFactory(org_unit=org.school, eligibility=Eligibility.RETIREES, title="重阳登山")
    retiree = person(org.branch_b, name="老张", status=Member.Status.RETIRED)
    client = login(chair)
    client.post(reverse("activities:signup_for", args=[event.pk]), {"who": "老张"})
    assert SignUp.objects.get(event=event).member == retiree
    response = client.post(reverse("activities:signup_for", args=[event.pk]), {"who": "没有这个人"}, follow=True)
    assert "没有找到姓名或会员编号为“没有这个人”的会员" in response.text
    assert login(member).post(reverse("activities:signup_for", args=[event.pk]), {"who": "老张"}).status_code == 403


def test_the_organiser_exports_the_list_and_formulas_are_neutralised(login, chair, member, org, event):
    import io
    import zipfile

    member_of(member, name="=HYPERLINK(1)")
    services.signup_create(actor=member, event_id=event.pk)
    services.signup_create(actor=person(org.branch_b, name="候补者").user, event_id=event.pk)
    response = login(chair).get(reverse("activities:roster_export", args=[event.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "'=HYPERLINK(1)" in sheet and "候补者" in sheet and "候补" in sheet and "<f>" not in sheet
    assert login(member).get(reverse("activities:roster_export", args=[event.pk])).status_code == 403


def test_the_dashboard_card_shows_my_sign_ups_and_open_events(login, member, chair, org):
    mine = EventFactory(org_unit=org.school, title="我报名的读书会")
    EventFactory(org_unit=org.school, title="正在报名的合唱")
    services.signup_create(actor=member, event_id=mine.pk)
    page = login(member).get(reverse("dashboard")).text
    assert 'data-card="activities"' in page
    assert "我报名的读书会" in page and "正在报名的合唱" in page
    leader = person(org.branch_b, name="组长")
    group = services.group_create(actor=chair, org_unit=org.school, name="摄影小组", leader=leader)
    plan = services.group_plan_save(
        actor=leader.user, group_id=group.pk, year=2026, content="外拍", budget_requested="800"
    )
    services.group_plan_transition(actor=leader.user, plan_id=plan.pk, action="submit")
    assert "待审批的兴趣小组计划" in login(chair).get(reverse("dashboard")).text
