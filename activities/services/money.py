"""An event's money: its expense line, the unit's policy rules, and payouts booked through finance.

Rules are data (PolicyRule rows set per unit, inherited down the tree): 疗休养 at most 2 days and
400 元 per person per day; 体检 paid by the employer, never from union funds. A "warn" rule lets the
payment through and keeps the warning with it (the 经审 will ask); a "block" rule refuses it.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import services as finance
from finance.models import Account
from finance.money import ZERO, round_money, to_decimal
from finance.services import bookkeeping_unit
from members import access
from members.models import OrgUnit
from union_office.audit import audit_record, field_changes
from union_office.history import reason_given, remove_rule, save_rule

from ..models import HOLDS_PLACE, Event, EventExpense, EventKind, PolicyRule, PolicyRuleKind, Severity, SignUp
from .common import ActivityError

# The expense line (工会会计制度) each kind of event is paid from unless the organiser picks another.
DEFAULT_ACCOUNT_CODES: dict[str, str] = {
    EventKind.WOMENS_DAY: "50101",
    EventKind.LABOUR_DAY: "50101",
    EventKind.SPORTS_DAY: "50101",
    EventKind.OUTING: "50101",
    EventKind.CONTEST: "50101",
    EventKind.READING: "50101",
    EventKind.OTHER: "50101",
    EventKind.CHECKUP: "50102",
    EventKind.RETREAT: "50102",
    EventKind.TRAINING: "50103",
    EventKind.VISIT: "50202",
    EventKind.MEETING: "503",
}


def default_account(kind: str) -> Account | None:
    return Account.objects.filter(code=DEFAULT_ACCOUNT_CODES.get(kind, "50101")).first()


@dataclass(frozen=True)
class Finding:
    rule: PolicyRule
    message: str

    @property
    def blocks(self) -> bool:
        return self.rule.severity == Severity.BLOCK


def event_days(event: Event) -> int:
    start, end = timezone.localtime(event.starts_at).date(), timezone.localtime(event.ends_at).date()
    return (end - start).days + 1


def rules_for(event: Event) -> list[PolicyRule]:
    """The rules for this kind of event set at the event's unit or any unit above it."""
    return list(
        PolicyRule.objects.filter(event_kind=event.kind, org_unit__path__in=event.org_unit.ancestor_paths())
        .select_related("org_unit")
        .order_by("org_unit__depth", "rule", "pk")
    )


def spent(event: Event) -> Decimal:
    """What the event has cost: its payouts, less those the treasurer reversed (红字冲销) in finance."""
    live = event.expenses.filter(entry__reversed_by__isnull=True)
    return live.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def policy_findings(event: Event, *, adding: Decimal = ZERO) -> list[Finding]:
    """The rules this event breaks, counting an expense of `adding` about to be booked."""
    findings: list[Finding] = []
    rules = rules_for(event)
    if not rules:
        return findings
    kind = event.get_kind_display()
    days = event_days(event)
    for rule in rules:
        basis = f"（{rule.org_unit.name}{('：' + rule.note) if rule.note else ''}）"
        if rule.rule == PolicyRuleKind.MAX_DAYS and days > rule.limit:
            message = _("%(kind)s不得超过 %(limit)s 天，本活动为 %(days)s 天。") % {
                "kind": kind,
                "limit": f"{rule.limit.normalize():f}",
                "days": days,
            }
            findings.append(Finding(rule, message + basis))
        elif rule.rule == PolicyRuleKind.MAX_PER_PERSON_DAY:
            total = spent(event) + adding
            people = SignUp.objects.filter(event=event, status__in=HOLDS_PLACE).count() or event.capacity or 0
            if total > 0 and people:
                per_day = round_money(total / (people * days))
                if per_day > rule.limit:
                    message = _(
                        "%(kind)s每人每天不得超过 %(limit)s 元：支出合计 %(total)s 元，%(people)s 人 × %(days)s 天，"
                        "每人每天 %(per_day)s 元。"
                    ) % {
                        "kind": kind,
                        "limit": rule.limit,
                        "total": round_money(total),
                        "people": people,
                        "days": days,
                        "per_day": per_day,
                    }
                    findings.append(Finding(rule, message + basis))
        elif rule.rule == PolicyRuleKind.NO_UNION_FUNDS and (adding > 0 or spent(event) > 0 or event.budget > 0):
            message = _("%(kind)s费用应由单位（行政）承担，不得使用工会经费。") % {"kind": kind}
            findings.append(Finding(rule, message + basis))
    return findings


def expense_book(
    *,
    actor: Any,
    event_id: int,
    amount: Decimal | str | int,
    date: dt.date,
    summary: str,
    counterparty: str = "",
    token: str = "",
) -> EventExpense:
    """Pay an event's bill from union funds: one ledger entry on the event's line, in this transaction.

    The treasurer of the unit that keeps the books does it. Warnings (policy rules, the event's own
    budget, finance's budget check in "warn" mode) are kept on the expense as `warnings`; a blocking
    rule or a refused booking leaves nothing behind. `token` (the form's) makes a double post
    harmless: the ledger refuses the same source key twice.
    """
    try:
        amount = to_decimal(amount)
    except ValueError:
        raise ActivityError(_("金额“%(value)s”不是有效的数字。") % {"value": amount}) from None
    summary = (summary or "").strip()
    if not summary:
        raise ActivityError(_("请填写摘要，写明这笔钱用在了什么上。"))
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).select_related("org_unit", "account").get(pk=event_id)
        books = bookkeeping_unit(event.org_unit)
        access.require(actor, finance.CHANGE_LEDGER, books)
        if event.account is None:
            raise ActivityError(_("请先为活动选择支出科目。"))
        findings = policy_findings(event, adding=amount if amount > 0 else ZERO)
        blocks = [f.message for f in findings if f.blocks]
        if blocks:
            raise ActivityError(" ".join(blocks))
        warnings = [f.message for f in findings]
        entry = finance.book_payout(
            actor=actor,
            org_unit=books,
            date=date,
            account=event.account,
            amount=amount,
            summary=f"{event.title}：{summary}"[:200],
            counterparty=counterparty,
            source=event,
            source_key=f"activities.event:{event.pk}:{token or uuid.uuid4().hex}",
        )
        total = spent(event) + entry.amount
        if event.budget > 0 and total > event.budget:
            warnings.append(
                _("活动支出合计 %(total)s 元，已超出活动预算 %(budget)s 元。")
                % {"total": total, "budget": event.budget}
            )
        if getattr(entry, "budget_warning", ""):
            warnings.append(str(entry.budget_warning))
        expense = EventExpense.objects.create(
            event=event,
            entry=entry,
            amount=entry.amount,
            date=date,
            summary=summary,
            warnings=warnings,
            booked_by=actor,
        )
        audit_record(
            actor=actor,
            action="activities.expense.book",
            obj=event,
            changes={"amount": str(entry.amount), "voucher": entry.voucher_label, "warnings": warnings},
        )
    return expense


def policy_rule_units(user: Any) -> Any:
    """Units where the user may set rules: where they organise events."""
    return access.units(user, "activities.manage_events")


def expense_total(event: Event) -> Decimal:
    return spent(event)


SET_RULES = "activities.set_policy_rules"
RULE_FIELDS = ["limit", "severity", "note"]


def policy_rule_create(
    *,
    actor: Any,
    org_unit: OrgUnit,
    event_kind: str,
    rule: str,
    limit: Decimal | None = None,
    severity: str = Severity.WARN,
    note: str = "",
    reason: str,
) -> PolicyRule:
    access.require(actor, SET_RULES, org_unit)
    reason = reason_given(reason)
    if rule != PolicyRuleKind.NO_UNION_FUNDS and (limit is None or limit <= 0):
        raise ActivityError(_("请填写大于 0 的限额。"))
    with transaction.atomic():
        created = PolicyRule(
            org_unit=org_unit,
            event_kind=event_kind,
            rule=rule,
            limit=limit if rule != PolicyRuleKind.NO_UNION_FUNDS else None,
            severity=severity,
            note=(note or "").strip(),
        )
        save_rule(
            created,
            {},
            actor=actor,
            reason=reason,
            action="activities.policy.change",
            changes={"created": str(created)},
        )
    return created


def policy_rule_update(
    *, actor: Any, rule_id: int, limit: Decimal | None, severity: str, note: str, reason: str
) -> PolicyRule:
    """Change a rule's limit, what a breach does, or its basis; the kind of rule stays."""
    reason = reason_given(reason)
    with transaction.atomic():
        rule = PolicyRule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=rule_id)
        access.require(actor, SET_RULES, rule.org_unit)
        if rule.rule == PolicyRuleKind.NO_UNION_FUNDS:
            limit = None
        elif limit is None or limit <= 0:
            raise ActivityError(_("请填写大于 0 的限额。"))
        else:
            limit = limit.quantize(Decimal("0.01"))
        values = {"limit": limit, "severity": severity, "note": (note or "").strip()}
        changes = field_changes(rule, values)
        if not changes:
            raise ActivityError(_("规则没有变化。"))
        save_rule(rule, values, actor=actor, reason=reason, action="activities.policy.change", changes=changes)
    return rule


def policy_rule_delete(*, actor: Any, rule_id: int, reason: str) -> None:
    reason = reason_given(reason)
    with transaction.atomic():
        rule = PolicyRule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=rule_id)
        access.require(actor, SET_RULES, rule.org_unit)
        remove_rule(rule, actor=actor, reason=reason, action="activities.policy.change")
