"""慰问标准 as a page (issue 21, "rules as pages"): the chair sets a unit's standard in the app, with
a reason; every change stays in the standard's history; the visits are checked by the new
standard; the committee reads the standards and cannot change them; strangers see nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import MemberFactory
from union_office.models import AuditEntry
from welfare.models import VisitRule
from welfare.services import visits as visit_services
from welfare.services.visits import VisitError

pytestmark = pytest.mark.django_db

URL = reverse("welfare:visit_rules")


def _set(actor, unit, reason="2026年第3次主席办公会决定", **limits):
    values = {
        "kind": "illness",
        "max_per_visit": Decimal("1500"),
        "max_per_year": None,
        "once_per_cause_per_year": True,
        "cash_allowed": True,
        **limits,
    }
    return visit_services.visit_rule_set(actor=actor, org_unit=unit, reason=reason, **values)


def test_the_chair_sets_a_standard_and_visits_follow_it(chair, org):
    _set(chair, org.school, max_per_visit=Decimal("800"))
    member = MemberFactory(org_unit=org.branch_b)
    with pytest.raises(VisitError, match="第一中学工会·生病住院慰问.*每次最多 800"):
        visit_services.visit_record(
            actor=chair,
            member=member,
            kind="illness",
            cause="阑尾炎",
            visited_on=timezone.localdate(),
            amount="1000",
            is_cash=True,
            visitors="主席",
        )


def test_a_change_needs_a_reason_and_a_change(chair, org):
    with pytest.raises(ValidationError, match="调整理由"):
        _set(chair, org.school, reason="  ")
    _set(chair, org.school)
    with pytest.raises(VisitError, match="没有变化"):
        _set(chair, org.school)


def test_the_committee_may_not_set_a_standard(committee, org):
    with pytest.raises(PermissionDenied):
        _set(committee, org.branch_a)


def test_every_change_is_kept_with_its_author_and_reason(chair, org):
    rule = _set(chair, org.school, max_per_visit=Decimal("1500"), reason="首次制定")
    _set(chair, org.school, max_per_visit=Decimal("1200"), reason="经费紧张，下调")
    visit_services.visit_rule_clear(actor=chair, rule_id=rule.pk, reason="执行县总工会标准")
    assert not VisitRule.objects.filter(pk=rule.pk).exists()
    history = list(VisitRule.history.filter(id=rule.pk).order_by("history_date", "history_id"))
    assert [(h.history_type, h.max_per_visit, h.history_change_reason) for h in history] == [
        ("+", Decimal("1500.00"), "首次制定"),
        ("~", Decimal("1200.00"), "经费紧张，下调"),
        ("-", Decimal("1200.00"), "执行县总工会标准"),
    ]
    assert {h.history_user for h in history} == {chair}
    assert AuditEntry.objects.filter(action__startswith="welfare.visit_rule").count() == 3


def test_the_page_shows_the_standard_its_source_and_its_history(client, chair, org):
    _set(chair, org.school, max_per_visit=Decimal("1500"), reason="首次制定")
    client.force_login(chair)
    response = client.post(
        f"{URL}?unit={org.school.pk}",
        {
            "kind": "illness",
            "max_per_visit": "1200",
            "max_per_year": "",
            "once_per_cause_per_year": "on",
            "cash_allowed": "on",
            "reason": "经费紧张，下调",
        },
    )
    assert response.status_code == 302
    page = client.get(f"{URL}?unit={org.school.pk}").content.decode()
    assert "1200" in page and "本单位" in page
    history = page[page.index('data-testid="rule-history"') :]
    assert "经费紧张，下调" in history and "<del" in history and "1500" in history
    # A unit below reads the school's standard as inherited.
    below = client.get(f"{URL}?unit={org.branch_b.pk}").content.decode()
    assert "第一中学工会" in below[below.index('data-testid="visit-rule-illness"') :]


def test_a_post_without_a_reason_is_refused_in_chinese_and_saves_nothing(client, chair, org):
    client.force_login(chair)
    response = client.post(f"{URL}?unit={org.school.pk}", {"kind": "illness", "max_per_visit": "100"})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert not VisitRule.objects.exists()


def test_the_committee_reads_but_cannot_post(client, committee, chair, org):
    _set(chair, org.school)
    client.force_login(committee)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'data-testid="visit-rule-form"' not in page.content.decode()
    response = client.post(URL, {"kind": "illness", "max_per_visit": "1", "reason": "x"})
    assert response.status_code == 403
    assert VisitRule.objects.get().max_per_visit == Decimal("1500")


def test_a_stranger_cannot_read_or_clear_another_unions_standard(client, chair, other_committee, org):
    rule = _set(chair, org.school, reason="首次制定")
    client.force_login(other_committee)
    page = client.get(f"{URL}?unit={org.school.pk}").content.decode()
    assert "首次制定" not in page and "第一中学工会" not in page
    response = client.post(reverse("welfare:visit_rule_clear", args=[rule.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert VisitRule.objects.filter(pk=rule.pk).exists()


def test_a_member_gets_404(client, member):
    client.force_login(member)
    assert client.get(URL).status_code == 404
