"""慰问 (送温暖): record a visit, check it against the unit's standard, book it in finance (the
account of its kind, VISIT_ACCOUNTS).

The standards are rows (VisitRule) per unit and kind; the nearest unit up the tree that has one
decides. A unit with none anywhere above falls back to DEFAULT_RULES, the usual 工会 standard.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import services as finance
from finance.money import MoneySum
from finance.services import bookkeeping_unit
from members.models import Member, OrgUnit
from union_office.audit import audit_record, field_changes
from union_office.history import reason_given, remove_rule, save_rule

from ..models import Visit, VisitCause, VisitKind, VisitRule, causes_of
from .common import WelfareError, require

REVIEW = "welfare.review_aid"
# The account each kind of visit is booked to (工会会计制度): visits to members in illness, hardship
# or bereavement are 维权支出 / 送温暖; festival, birthday, wedding, birth and retirement gifts are
# 职工活动支出 / 职工集体福利 — booking them to 送温暖 misstated 维权支出 (docs/welfare.md).
VISIT_ACCOUNTS: dict[str, str] = {
    VisitKind.ILLNESS: "50202",
    VisitKind.HARDSHIP: "50202",
    VisitKind.FUNERAL: "50202",
    VisitKind.FESTIVAL: "50102",
    VisitKind.BIRTHDAY: "50102",
    VisitKind.WEDDING: "50102",
    VisitKind.BIRTH: "50102",
    VisitKind.RETIREMENT: "50102",
}

K = VisitKind


@dataclass(frozen=True)
class Standard:
    max_per_visit: Decimal | None
    max_per_year: Decimal | None
    once_per_cause_per_year: bool
    cash_allowed: bool
    unit_name: str  # whose rule it is, named in the message


D = Decimal
# kind -> (max per visit, max per person per year, same cause once a year, cash allowed)
DEFAULT_RULES: dict[str, tuple[Decimal | None, Decimal | None, bool, bool]] = {
    K.ILLNESS: (D("2000"), None, True, True),
    K.WEDDING: (D("2000"), None, True, True),
    K.BIRTH: (D("2000"), None, False, True),
    K.FUNERAL: (D("2000"), None, False, True),
    K.RETIREMENT: (D("2000"), None, True, True),
    K.HARDSHIP: (D("2000"), None, False, True),
    K.FESTIVAL: (None, D("2200"), False, False),
    K.BIRTHDAY: (D("300"), None, True, False),
}


class VisitError(WelfareError):
    pass


def standards_for(unit: OrgUnit) -> dict[str, tuple[Standard, VisitRule | None]]:
    """Every kind's standard at `unit` (one query), with the unit's own rule if it has one."""
    rules: dict[str, dict[str | None, VisitRule]] = {}
    for rule in VisitRule.objects.filter(org_unit__path__in=unit.ancestor_paths()).select_related("org_unit"):
        rules.setdefault(rule.kind, {})[rule.org_unit.path] = rule
    result = {}
    for kind in VisitKind.values:
        found = next((rules[kind][p] for p in reversed(unit.ancestor_paths()) if p in rules.get(kind, {})), None)
        if found is not None:
            standard = Standard(
                found.max_per_visit,
                found.max_per_year,
                found.once_per_cause_per_year,
                found.cash_allowed,
                found.org_unit.name,
            )
        else:
            per_visit, per_year, once, cash = DEFAULT_RULES[kind]
            standard = Standard(per_visit, per_year, once, cash, _("系统默认"))
        result[kind] = (standard, found if found is not None and found.org_unit_id == unit.pk else None)
    return result


def standard_for(unit: OrgUnit, kind: str) -> Standard:
    return standards_for(unit)[kind][0]


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        amount = Decimal(str(value).replace(",", "").strip()).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise VisitError(_("金额不是有效的数字。")) from None
    if amount <= 0:
        raise VisitError(_("慰问金额（或慰问品价值）必须大于 0 元。"))
    return amount


def check_visit(
    *, member: Member, kind: str, cause_category: str, visited_on: dt.date, amount: Decimal, is_cash: bool
) -> None:
    """Raise VisitError naming the rule a visit would break."""
    rule = standard_for(member.org_unit, kind)
    name = _("“%(unit)s·%(kind)s慰问”标准") % {"unit": rule.unit_name, "kind": VisitKind(kind).label}
    if is_cash and not rule.cash_allowed:
        raise VisitError(_("按%(rule)s，不得发放现金，请改为慰问品。") % {"rule": name})
    if rule.max_per_visit is not None and amount > rule.max_per_visit:
        raise VisitError(
            _("按%(rule)s，每次最多 %(max)s 元，本次 %(amount)s 元超出标准。")
            % {"rule": name, "max": rule.max_per_visit, "amount": amount}
        )
    same_year = Visit.objects.filter(member=member, kind=kind, visited_on__year=visited_on.year)
    if rule.once_per_cause_per_year:
        earlier = same_year.filter(cause_category=cause_category).order_by("visited_on").first()
        if earlier is not None:
            raise VisitError(
                _("按%(rule)s，同一事由每年只慰问一次：%(name)s 已于 %(day)s 因“%(category)s”（%(cause)s）慰问过。")
                % {
                    "rule": name,
                    "name": member.name,
                    "day": earlier.visited_on,
                    "category": VisitCause(cause_category).label,
                    "cause": earlier.cause,
                }
            )
    if rule.max_per_year is not None:
        given = same_year.aggregate(total=MoneySum("amount"))["total"]
        if given + amount > rule.max_per_year:
            raise VisitError(
                _(
                    "按%(rule)s，每人每年最多 %(max)s 元：%(name)s 今年已慰问 %(given)s 元，"
                    "本次 %(amount)s 元将超出标准。"
                )
                % {"rule": name, "max": rule.max_per_year, "name": member.name, "given": given, "amount": amount}
            )


def visit_record(
    *,
    actor: Any,
    member: Member,
    kind: str,
    cause: str,
    visited_on: dt.date,
    amount: Any,
    is_cash: bool,
    visitors: str,
    gift: str = "",
    note: str = "",
    cause_category: str = "",
) -> Visit:
    """Record and book one visit. `cause_category` is what the once-a-year rule compares (the form
    always asks; a caller that gives none gets its kind's first category, 住院治疗 for an illness)."""
    require(actor, REVIEW, member.org_unit)
    if kind not in VisitKind.values:
        raise VisitError(_("请选择慰问类型。"))
    categories = causes_of(kind)
    cause_category = cause_category or categories[0].value
    if cause_category not in categories:
        raise VisitError(
            _("事由类别“%(category)s”不属于%(kind)s慰问，请从%(allowed)s中选择。")
            % {
                "category": VisitCause(cause_category).label if cause_category in VisitCause.values else cause_category,
                "kind": VisitKind(kind).label,
                "allowed": "、".join(str(c.label) for c in categories),
            }
        )
    cause, visitors, gift = (cause or "").strip(), (visitors or "").strip(), (gift or "").strip()
    if not cause:
        raise VisitError(_("请填写事由（如病名、节日）。"))
    if not visitors:
        raise VisitError(_("请填写慰问人。"))
    if not is_cash and not gift:
        raise VisitError(_("未发现金时，请填写慰问品。"))
    if visited_on > timezone.localdate():
        raise VisitError(_("慰问日期不能晚于今天。"))
    amount = _amount(amount)
    with transaction.atomic():
        # Caps count a member's visits: serialise the visits of one member.
        Member.objects.select_for_update().filter(pk=member.pk).first()
        check_visit(
            member=member,
            kind=kind,
            cause_category=cause_category,
            visited_on=visited_on,
            amount=amount,
            is_cash=is_cash,
        )
        visit = Visit.objects.create(
            member=member,
            org_unit=member.org_unit,
            kind=kind,
            cause=cause[:60],
            cause_category=cause_category,
            visited_on=visited_on,
            amount=amount,
            is_cash=is_cash,
            gift=gift[:100],
            visitors=visitors[:200],
            note=(note or "").strip(),
            created_by=actor,
        )
        try:
            entry = finance.book_payout(
                actor=actor,
                org_unit=bookkeeping_unit(member.org_unit),
                date=visited_on,
                account=VISIT_ACCOUNTS[kind],
                amount=amount,
                summary=_("%(kind)s慰问：%(name)s（%(cause)s）")
                % {"kind": VisitKind(kind).label, "name": member.name, "cause": cause},
                counterparty=member.name,
                source=visit,
            )
        except finance.FinanceError as exc:
            raise VisitError(_("记账未成功，慰问未登记：%(why)s") % {"why": " ".join(exc.messages)}) from None
        visit.ledger_entry = entry
        visit.save(update_fields=["ledger_entry"])
        audit_record(
            actor=actor,
            action="welfare.visit.record",
            obj=visit,
            changes={
                "kind": kind,
                "cause": cause,
                "cause_category": cause_category,
                "amount": str(amount),
                "cash": is_cash,
                "voucher": entry.voucher_label,
            },
        )
    return visit


# --- the standards, set by the chair (issue 21: rules as pages) -----------------------------------

SET_RULES = "welfare.set_visit_rules"
RULE_FIELDS = ["max_per_visit", "max_per_year", "once_per_cause_per_year", "cash_allowed"]


def visit_rule_set(
    *,
    actor: Any,
    org_unit: OrgUnit,
    kind: str,
    max_per_visit: Decimal | None,
    max_per_year: Decimal | None,
    once_per_cause_per_year: bool,
    cash_allowed: bool,
    reason: str,
) -> VisitRule:
    """Set the unit's standard for one kind of visit (new, or changed in place), with its reason."""
    require(actor, SET_RULES, org_unit)
    if kind not in VisitKind.values:
        raise VisitError(_("请选择慰问类型。"))
    for limit in (max_per_visit, max_per_year):
        if limit is not None and limit < 0:
            raise VisitError(_("限额不能为负数；不设上限请留空。"))
    reason = reason_given(reason)
    cents = Decimal("0.01")
    values = {
        "max_per_visit": None if max_per_visit is None else max_per_visit.quantize(cents),
        "max_per_year": None if max_per_year is None else max_per_year.quantize(cents),
        "once_per_cause_per_year": once_per_cause_per_year,
        "cash_allowed": cash_allowed,
    }
    changes: dict[str, Any]
    with transaction.atomic():
        rule = VisitRule.objects.select_for_update().filter(org_unit=org_unit, kind=kind).first()
        if rule is None:
            rule, changes = VisitRule(org_unit=org_unit, kind=kind), {"created": True}
        else:
            changes = field_changes(rule, values)
            if not changes:
                raise VisitError(_("标准没有变化。"))
        save_rule(rule, values, actor=actor, reason=reason, action="welfare.visit_rule.set", changes=changes)
    return rule


def visit_rule_clear(*, actor: Any, rule_id: int, reason: str) -> None:
    """Remove the unit's own standard: the one above it (or the system default) holds again."""
    reason = reason_given(reason)
    with transaction.atomic():
        rule = VisitRule.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=rule_id)
        require(actor, SET_RULES, rule.org_unit)
        remove_rule(rule, actor=actor, reason=reason, action="welfare.visit_rule.clear")
