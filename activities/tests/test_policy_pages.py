"""经费使用规则 as pages (issue 21, "rules as pages"): the chair adds, changes and removes a rule in
the app with a reason; the history lists every change; organisers read the rules but only the
chair changes them; another union's rule is 404."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities import services
from activities.models import Event, PolicyRule

pytestmark = pytest.mark.django_db


def _rule(chair, org, reason="主席办公会决定"):
    return services.policy_rule_create(
        actor=chair,
        org_unit=org.school,
        event_kind=Event.Kind.RETREAT,
        rule=PolicyRule.Kind.MAX_DAYS,
        limit=Decimal("2"),
        reason=reason,
    )


def test_only_the_chair_sets_rules_and_always_with_a_reason(chair, committee, org):
    with pytest.raises(ValidationError, match="调整理由"):
        _rule(chair, org, reason="")
    with pytest.raises(PermissionDenied):
        services.policy_rule_create(
            actor=committee,
            org_unit=org.branch_a,
            event_kind=Event.Kind.RETREAT,
            rule=PolicyRule.Kind.MAX_DAYS,
            limit=Decimal("3"),
            reason="x",
        )


def test_a_change_and_a_removal_stay_in_the_history(chair, org):
    rule = _rule(chair, org, reason="首次制定")
    services.policy_rule_update(
        actor=chair, rule_id=rule.pk, limit=Decimal("3"), severity="block", note="县总文件", reason="放宽一天"
    )
    services.policy_rule_delete(actor=chair, rule_id=rule.pk, reason="改由行政承担")
    history = list(PolicyRule.history.filter(id=rule.pk).order_by("history_date", "history_id"))
    assert [(h.history_type, h.limit, h.severity, h.history_change_reason) for h in history] == [
        ("+", Decimal("2.00"), "warn", "首次制定"),
        ("~", Decimal("3.00"), "block", "放宽一天"),
        ("-", Decimal("3.00"), "block", "改由行政承担"),
    ]


def test_the_edit_page_changes_a_rule_and_the_list_shows_the_history(client, chair, org):
    rule = _rule(chair, org, reason="首次制定")
    client.force_login(chair)
    response = client.post(
        reverse("activities:policy_edit", args=[rule.pk]),
        {"limit": "3", "severity": "block", "note": "", "reason": "放宽一天"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.limit == Decimal("3.00") and rule.severity == "block"
    page = client.get(reverse("activities:policies")).content.decode()
    history = page[page.index('data-testid="rule-history"') :]
    assert "放宽一天" in history and "首次制定" in history and "<del" in history


def test_an_unchanged_rule_is_refused_in_chinese(client, chair, org):
    rule = _rule(chair, org)
    client.force_login(chair)
    response = client.post(
        reverse("activities:policy_edit", args=[rule.pk]),
        {"limit": "2", "severity": "warn", "note": "", "reason": "再看看"},
    )
    assert response.status_code == 200
    assert "规则没有变化" in response.content.decode()


def test_the_committee_reads_the_rules_but_cannot_change_them(client, chair, committee, org):
    rule = _rule(chair, org)
    client.force_login(committee)
    page = client.get(reverse("activities:policies")).content.decode()
    assert "最多天数" in page and 'data-testid="policy-form"' not in page and 'data-testid="policy-edit"' not in page
    assert client.get(reverse("activities:policy_edit", args=[rule.pk])).status_code == 403
    response = client.post(reverse("activities:policy_delete", args=[rule.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert PolicyRule.objects.filter(pk=rule.pk).exists()


def test_another_unions_rule_is_404_to_its_organisers(client, chair, other_committee, org):
    rule = _rule(chair, org, reason="首次制定")
    client.force_login(other_committee)
    assert client.get(reverse("activities:policy_edit", args=[rule.pk])).status_code == 404
    assert "首次制定" not in client.get(reverse("activities:policies")).content.decode()
