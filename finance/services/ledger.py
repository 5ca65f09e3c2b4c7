"""Every write to the books: booking, reversing, closing a month, the budget and its adjustments.

Other apps book through `book_income(...)` / `book_payout(...)` inside their own transaction
(welfare pays an aid grant, activities settles an event). Each booking:

1. locks the unit's voucher counter for the year (VoucherCounter, select_for_update): bookings
   and month closings of one unit and year queue on this one row, so the closed-month check, the
   budget check and the voucher number are decided under the same lock;
2. refuses a closed month, a bad amount, an account that is not a leaf, a source already booked;
3. checks a payout against the approved budget (settings.FINANCE_BUDGET_CHECK: "block" refuses,
   "warn" books and returns the warning on `entry.budget_warning`);
4. takes the next voucher number and writes the entry and its audit record.

A failure anywhere rolls the counter back with the entry: numbers have no gaps. Errors are
FinanceError with a message the treasurer can read. docs/finance.md explains the rules.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from members import access
from members.models import OrgUnit
from union_office.audit import audit_record
from union_office.workflow import Recipients, Result, Transition, Workflow, perform

from .. import workflow
from ..models import (
    Account,
    AccountKind,
    Budget,
    BudgetAdjustment,
    BudgetLine,
    BudgetStatus,
    LedgerEntry,
    MonthClose,
    OpeningBalance,
    VoucherCounter,
)
from ..money import MAX_AMOUNT, ZERO, MoneySum, to_decimal, yuan

CHANGE_LEDGER = workflow.CHANGE_LEDGER
APPROVE_BUDGET = workflow.APPROVE_BUDGET
# Units that keep their own books (独立核算): a 分工会 or 小组 books through its 基层工会.
BOOKKEEPING_KINDS = frozenset({OrgUnit.Kind.BASE, OrgUnit.Kind.UPPER})
BUDGET_CHECK_MODES = ("block", "warn")


class FinanceError(ValidationError):
    """A booking or budget move the rules refuse; the message says what to do instead."""


# --- Helpers ------------------------------------------------------------------------------------


def budget_check_mode() -> str:
    mode = getattr(settings, "FINANCE_BUDGET_CHECK", "block")
    if mode not in BUDGET_CHECK_MODES:
        raise ValueError(f"FINANCE_BUDGET_CHECK must be block or warn, not {mode!r}")
    return mode


def resolve_account(account: Account | str | int) -> Account:
    """An Account, its code ("50201") or its pk."""
    if isinstance(account, Account):
        return account
    lookup = {"code": account} if isinstance(account, str) else {"pk": account}
    try:
        return Account.objects.select_related("parent").get(**lookup)
    except Account.DoesNotExist:
        raise FinanceError(_("没有科目“%(account)s”。") % {"account": account}) from None


def clean_amount(value: Any) -> Decimal:
    """A positive amount with at most two decimal places, or FinanceError."""
    try:
        amount = to_decimal(value)
    except ValueError:
        raise FinanceError(_("金额“%(value)s”不是有效的数字。") % {"value": value}) from None
    if not amount.is_finite():
        raise FinanceError(_("金额“%(value)s”不是有效的数字。") % {"value": value})
    if amount <= 0:
        raise FinanceError(_("金额必须大于零；更正已记的账请使用红字冲销。"))
    if amount != amount.quantize(Decimal("0.01")):
        raise FinanceError(_("金额最多两位小数（元、角、分）。"))
    if amount > MAX_AMOUNT:
        raise FinanceError(_("金额过大，请检查。"))
    return amount.quantize(Decimal("0.01"))


def bookkeeping_unit(unit: OrgUnit) -> OrgUnit:
    """The unit whose books carry this unit's money: itself or the nearest 基层工会/上级工会 above."""
    if unit.kind in BOOKKEEPING_KINDS:
        return unit
    found = (
        OrgUnit.objects.filter(path__in=unit.ancestor_paths(), kind__in=BOOKKEEPING_KINDS).order_by("-depth").first()
    )
    return found or unit


def require_bookkeeping_unit(org_unit: OrgUnit) -> None:
    if org_unit.kind not in BOOKKEEPING_KINDS:
        raise FinanceError(
            _("“%(unit)s”不独立记账：分工会和工会小组的收支记在所属基层工会的账上。") % {"unit": org_unit}
        )


def _lock_books(org_unit_id: int, year: int) -> VoucherCounter:
    """The (unit, year) counter row, created if missing and locked until the transaction ends."""
    VoucherCounter.objects.bulk_create([VoucherCounter(org_unit_id=org_unit_id, year=year)], ignore_conflicts=True)
    return VoucherCounter.objects.select_for_update().get(org_unit_id=org_unit_id, year=year)


def _last_closed_month(org_unit_id: int, year: int) -> int | None:
    return (
        MonthClose.objects.filter(org_unit_id=org_unit_id, year=year)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def _require_open(org_unit_id: int, day: dt.date) -> None:
    last = _last_closed_month(org_unit_id, day.year)
    if last is not None and day.month <= last:
        raise FinanceError(
            _("%(year)s年%(month)s月已结账，不能再记入%(day)s；已结账月份的错账请在未结账月份用红字冲销更正。")
            % {"year": day.year, "month": last, "day": day.isoformat()}
        )


def _source_fields(source: models.Model | None, source_key: str) -> dict[str, Any]:
    if source is None:
        return {"source_key": source_key, "source_type": None, "source_id": ""}
    content_type = ContentType.objects.get_for_model(source)
    key = source_key or f"{content_type.app_label}.{content_type.model}:{source.pk}"
    return {"source_key": key, "source_type": content_type, "source_id": str(source.pk)}


def _entry_changes(entry: LedgerEntry, **extra: Any) -> dict[str, Any]:
    return {
        "voucher": entry.voucher_label,
        "date": entry.date.isoformat(),
        "account": str(entry.account),
        "amount": str(entry.amount),
        "summary": entry.summary,
        "counterparty": entry.counterparty,
        **({"source": entry.source_key} if entry.source_key else {}),
        **extra,
    }


# --- Budget figures (also used by the selectors) -------------------------------------------------


def spent_on(org_unit_id: int, year: int, account_code: str) -> Decimal:
    """Net amount booked in the year on an account and its sub-items (reversals subtract)."""
    return LedgerEntry.objects.filter(
        org_unit_id=org_unit_id, year=year, account__code__startswith=account_code
    ).aggregate(total=MoneySum("signed_amount"))["total"]


def line_available(line: BudgetLine) -> Decimal:
    """批复数 plus every adjustment: what may be spent on the line this year."""
    adjusted = line.adjustments.aggregate(total=MoneySum("amount"))["total"]
    return (line.approved if line.approved is not None else line.planned) + adjusted


def budget_problem(*, org_unit: OrgUnit, account: Account, year: int, amount: Decimal) -> str:
    """Why a payout of `amount` on `account` does not fit the year's budget ("" when it does).

    The payout must fit every budget line on the account's path (50201 and 502 when both have a
    line); at least one must exist. Call it holding the books' lock (see _lock_books).
    """
    budget = Budget.objects.filter(org_unit=org_unit, year=year).first()
    if budget is None or budget.status not in workflow.IN_FORCE_STATUSES:
        return _("%(unit)s%(year)s年预算尚未批复，不能列支“%(account)s”。") % {
            "unit": org_unit,
            "year": year,
            "account": account,
        }
    codes = [account.code] + ([account.parent.code] if account.parent_id else [])
    lines = list(BudgetLine.objects.filter(budget=budget, account__code__in=codes).select_related("account"))
    if not lines:
        return _("“%(account)s”没有%(year)s年预算，不能列支；请先调整预算。") % {"account": account, "year": year}
    for line in sorted(lines, key=lambda line: -len(line.account.code)):
        available = line_available(line)
        spent = spent_on(org_unit.pk, year, line.account.code)
        remaining = available - spent
        if amount > remaining:
            return _(
                "“%(line)s”预算余额不足：调整后预算 %(available)s 元，已支出 %(spent)s 元，"
                "余额 %(remaining)s 元，本次支出 %(amount)s 元。"
            ) % {
                "line": line.account,
                "available": yuan(available),
                "spent": yuan(spent),
                "remaining": yuan(remaining),
                "amount": yuan(amount),
            }
    return ""


# --- Booking ------------------------------------------------------------------------------------


def _book(
    *,
    actor: Any,
    org_unit: OrgUnit,
    date: dt.date,
    account: Account | str | int,
    amount: Any,
    summary: str,
    counterparty: str = "",
    source: models.Model | None = None,
    source_key: str = "",
    kind: str,
) -> LedgerEntry:
    account = resolve_account(account)
    amount = clean_amount(amount)
    summary, counterparty = (summary or "").strip(), (counterparty or "").strip()
    require_bookkeeping_unit(org_unit)
    if account.kind != kind:
        raise FinanceError(
            _("“%(account)s”是%(kind)s科目，不能记作%(wanted)s。")
            % {
                "account": account,
                "kind": account.get_kind_display(),
                "wanted": AccountKind(kind).label,
            }
        )
    if not account.is_active:
        raise FinanceError(_("科目“%(account)s”已停用。") % {"account": account})
    if account.children.exists():
        raise FinanceError(_("“%(account)s”下设明细科目，请记入明细科目。") % {"account": account})
    if not summary:
        raise FinanceError(_("请填写摘要。"))
    if len(summary) > 200 or len(counterparty) > 100:
        raise FinanceError(_("摘要最多 200 字，往来单位/个人最多 100 字。"))
    if date > timezone.localdate():
        raise FinanceError(_("记账日期不能晚于今天。"))
    source_fields = _source_fields(source, source_key)
    warning = ""
    with transaction.atomic():
        counter = _lock_books(org_unit.pk, date.year)
        _require_open(org_unit.pk, date)
        key = source_fields["source_key"]
        if key and LedgerEntry.objects.filter(org_unit=org_unit, source_key=key).exists():
            raise FinanceError(_("该笔业务（%(source)s）已经记过账，不能重复记账。") % {"source": key})
        if kind == AccountKind.EXPENSE:
            problem = budget_problem(org_unit=org_unit, account=account, year=date.year, amount=amount)
            if problem and budget_check_mode() == "block":
                raise FinanceError(problem)
            warning = problem
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        entry = LedgerEntry(
            org_unit=org_unit,
            year=date.year,
            voucher_number=counter.last_number,
            date=date,
            account=account,
            amount=amount,
            summary=summary,
            counterparty=counterparty,
            booked_by=actor if getattr(actor, "is_authenticated", False) else None,
            **source_fields,
        )
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            # Another unit-year's lock does not cover the same source booked under another year.
            raise FinanceError(_("该笔业务（%(source)s）已经记过账，不能重复记账。") % {"source": key}) from None
        extra = {"budget_warning": warning} if warning else {}
        audit_record(actor=actor, action="finance.entry.book", obj=entry, changes=_entry_changes(entry, **extra))
    entry.budget_warning = warning
    return entry


def book_income(
    *,
    actor: Any,
    org_unit: OrgUnit,
    date: dt.date,
    account: Account | str | int,
    amount: Any,
    summary: str,
    counterparty: str = "",
    source: models.Model | None = None,
    source_key: str = "",
) -> LedgerEntry:
    """Book income (贷) on an income account. The caller has authorised the cause in its own app.

    `source` (any saved model instance) or `source_key` makes the booking unique per unit: a
    second booking for the same source raises FinanceError, whatever the amount.
    """
    return _book(
        actor=actor,
        org_unit=org_unit,
        date=date,
        account=account,
        amount=amount,
        summary=summary,
        counterparty=counterparty,
        source=source,
        source_key=source_key,
        kind=AccountKind.INCOME,
    )


def book_payout(
    *,
    actor: Any,
    org_unit: OrgUnit,
    date: dt.date,
    account: Account | str | int,
    amount: Any,
    summary: str,
    counterparty: str = "",
    source: models.Model | None = None,
    source_key: str = "",
) -> LedgerEntry:
    """Book an expense (借) on an expense account, checked against the approved budget.

    With FINANCE_BUDGET_CHECK="block" (the default) a payout without budget, or over the line's
    remainder, raises FinanceError; with "warn" it is booked and `entry.budget_warning` says why
    it would have been refused (also kept in the audit entry).
    """
    return _book(
        actor=actor,
        org_unit=org_unit,
        date=date,
        account=account,
        amount=amount,
        summary=summary,
        counterparty=counterparty,
        source=source,
        source_key=source_key,
        kind=AccountKind.EXPENSE,
    )


def book_entry(**kwargs: Any) -> LedgerEntry:
    """book_income or book_payout, after the account's kind (the treasurer's form)."""
    account = resolve_account(kwargs.pop("account"))
    book = book_income if account.kind == AccountKind.INCOME else book_payout
    return book(account=account, **kwargs)


def reverse_entry(*, actor: Any, entry_id: int, reason: str, date: dt.date | None = None) -> LedgerEntry:
    """Cancel an entry with a red-ink entry (红字冲销): same account and amount, counted negative.

    The reversal is dated in an open month (today by default), never before the entry it cancels.
    """
    reason = (reason or "").strip()
    date = date or timezone.localdate()
    original = LedgerEntry.objects.select_related("org_unit", "account").filter(pk=entry_id).first()
    if original is None:
        raise LedgerEntry.DoesNotExist(f"no entry {entry_id}")
    access.require(actor, CHANGE_LEDGER, original.org_unit)
    if not reason:
        raise FinanceError(_("请填写冲销原因。"))
    if original.is_reversal:
        raise FinanceError(_("红字冲销凭证不能再冲销；如需恢复，请重新记账。"))
    if date < original.date:
        raise FinanceError(_("冲销日期不能早于原凭证日期（%(day)s）。") % {"day": original.date.isoformat()})
    if date > timezone.localdate():
        raise FinanceError(_("记账日期不能晚于今天。"))
    with transaction.atomic():
        counter = _lock_books(original.org_unit_id, date.year)
        _require_open(original.org_unit_id, date)
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise FinanceError(_("凭证 %(voucher)s 已经冲销过。") % {"voucher": original.voucher_label})
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        entry = LedgerEntry(
            org_unit=original.org_unit,
            year=date.year,
            voucher_number=counter.last_number,
            date=date,
            account=original.account,
            amount=original.amount,
            is_reversal=True,
            reverses=original,
            summary=(_("冲销 %(voucher)s 号凭证：%(reason)s") % {"voucher": original.voucher_label, "reason": reason})[
                :200
            ],
            counterparty=original.counterparty,
            booked_by=actor,
        )
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            raise FinanceError(_("凭证 %(voucher)s 已经冲销过。") % {"voucher": original.voucher_label}) from None
        audit_record(
            actor=actor,
            action="finance.entry.reverse",
            obj=entry,
            changes=_entry_changes(entry, reverses=original.voucher_label, reason=reason),
        )
    return entry


# --- Closing a month ----------------------------------------------------------------------------


def close_month(*, actor: Any, org_unit: OrgUnit, year: int, month: int) -> MonthClose:
    """结账: after it, nothing is booked in this month or before it in the year.

    Months close in order: an earlier month with entries must be closed first. The current month
    closes only once it is over.
    """
    access.require(actor, CHANGE_LEDGER, org_unit)
    require_bookkeeping_unit(org_unit)
    if not 1 <= month <= 12:
        raise FinanceError(_("月份必须在 1 到 12 之间。"))
    first_day = dt.date(year, month, 1)
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    if next_month > timezone.localdate():
        raise FinanceError(_("%(year)s年%(month)s月尚未结束，不能结账。") % {"year": year, "month": month})
    with transaction.atomic():
        _lock_books(org_unit.pk, year)
        last = _last_closed_month(org_unit.pk, year)
        if last is not None and month <= last:
            raise FinanceError(_("%(year)s年%(month)s月已结账。") % {"year": year, "month": last})
        open_before = (
            LedgerEntry.objects.filter(org_unit=org_unit, year=year, date__lt=first_day, date__month__gt=last or 0)
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )
        if open_before is not None:
            raise FinanceError(
                _("请先结账%(year)s年%(month)s月，月份须按顺序结账。") % {"year": year, "month": open_before.month}
            )
        totals = LedgerEntry.objects.filter(org_unit=org_unit, date__gte=first_day, date__lt=next_month).aggregate(
            income=MoneySum("signed_amount", filter=models.Q(account__kind=AccountKind.INCOME)),
            expense=MoneySum("signed_amount", filter=models.Q(account__kind=AccountKind.EXPENSE)),
            count=models.Count("pk"),
        )
        closed = MonthClose.objects.create(
            org_unit=org_unit,
            year=year,
            month=month,
            income_total=totals["income"],
            expense_total=totals["expense"],
            entry_count=totals["count"],
            closed_by=actor,
        )
        audit_record(
            actor=actor,
            action="finance.month.close",
            obj=closed,
            changes={
                "unit": str(org_unit),
                "month": f"{year}-{month:02d}",
                "income_total": str(closed.income_total),
                "expense_total": str(closed.expense_total),
                "entry_count": closed.entry_count,
            },
        )
    return closed


def opening_balance_record(*, actor: Any, org_unit: OrgUnit, year: int, amount: Any) -> OpeningBalance:
    """上年结余: entered once per unit and year by whoever keeps the books, audited, never changed
    (a wrong figure is a matter for the 经审委员会, not an edit)."""
    access.require(actor, CHANGE_LEDGER, org_unit)
    require_bookkeeping_unit(org_unit)
    try:
        value = Decimal(str(amount).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise FinanceError(_("上年结余须为金额，例如 12345.67。")) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal("1e12"):
        raise FinanceError(_("上年结余须为金额，最多两位小数，例如 12345.67。"))
    with transaction.atomic():
        _lock_books(org_unit.pk, year)
        if OpeningBalance.objects.filter(org_unit=org_unit, year=year).exists():
            raise FinanceError(_("%(year)s年的上年结余已录入，不能重复录入。") % {"year": year})
        balance = OpeningBalance.objects.create(org_unit=org_unit, year=year, amount=value, recorded_by=actor)
        audit_record(
            actor=actor,
            action="finance.opening_balance.record",
            obj=balance,
            changes={"unit": str(org_unit), "year": year, "amount": str(value)},
        )
    return balance


# --- Budget -------------------------------------------------------------------------------------


def _locked_budget(budget_id: int) -> Budget:
    return Budget.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=budget_id)


def previous_year_actuals(org_unit: OrgUnit, year: int) -> dict[int, Decimal]:
    """{account_id: net amount} booked in `year` - 1: the 上年决算 column's starting values."""
    rows = (
        LedgerEntry.objects.filter(org_unit=org_unit, year=year - 1)
        .values("account_id")
        .annotate(total=MoneySum("signed_amount"))
        .order_by()
    )
    return {row["account_id"]: row["total"] for row in rows if row["total"]}


def budget_create(*, actor: Any, org_unit: OrgUnit, year: int) -> Budget:
    """A draft budget; 上年决算 is filled from last year's ledger where there is one."""
    access.require(actor, CHANGE_LEDGER, org_unit)
    require_bookkeeping_unit(org_unit)
    if not 2000 <= year <= 2100:
        raise FinanceError(_("年度不正确。"))
    with transaction.atomic():
        try:
            with transaction.atomic():
                budget = Budget.objects.create(org_unit=org_unit, year=year, created_by=actor)
        except IntegrityError:
            raise FinanceError(
                _("%(unit)s已有%(year)s年预算。") % {"unit": org_unit, "year": year},
            ) from None
        actuals = previous_year_actuals(org_unit, year)
        BudgetLine.objects.bulk_create(
            BudgetLine(budget=budget, account_id=account_id, previous_actual=max(total, ZERO))
            for account_id, total in actuals.items()
        )
        audit_record(
            actor=actor, action="finance.budget.create", obj=budget, changes={"unit": str(org_unit), "year": year}
        )
    return budget


@dataclass(frozen=True)
class LineValues:
    """One row of the budget form: both None means "no line for this account"."""

    previous_actual: Decimal | None
    planned: Decimal | None


def budget_save_lines(*, actor: Any, budget_id: int, values: dict[int, LineValues]) -> Budget:
    """Save the draft's figures, {account_id: LineValues}; only the accounts given are touched."""
    with transaction.atomic():
        budget = _locked_budget(budget_id)
        access.require(actor, CHANGE_LEDGER, budget.org_unit)
        if budget.status not in workflow.EDITABLE_STATUSES:
            raise FinanceError(
                _("预算当前状态为“%(status)s”，不能修改；已批复的预算请用预算调整。")
                % {"status": budget.get_status_display()}
            )
        accounts = Account.objects.in_bulk(list(values))
        existing = {line.account_id: line for line in budget.lines.select_for_update()}
        changes: dict[str, Any] = {}
        for account_id, row in values.items():
            account = accounts.get(account_id)
            if account is None:
                raise FinanceError(_("没有该科目。"))
            for amount in (row.previous_actual, row.planned):
                if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
                    raise FinanceError(_("“%(account)s”：金额不能为负数，最多两位小数。") % {"account": account})
            line = existing.get(account_id)
            before = (line.previous_actual, line.planned) if line else None
            if row.previous_actual is None and row.planned is None:
                if line is not None:
                    # A draft's line is a worksheet row, not a record of money: removing it is allowed.
                    BudgetLine.objects.filter(pk=line.pk).delete()
                    changes[account.code] = [[str(v) for v in before], None]
                continue
            after = (row.previous_actual or ZERO, row.planned or ZERO)
            if line is None:
                BudgetLine.objects.create(budget=budget, account=account, previous_actual=after[0], planned=after[1])
            elif before != after:
                line.previous_actual, line.planned = after
                line.save(update_fields=["previous_actual", "planned", "updated_at"])
            else:
                continue
            changes[account.code] = [[str(v) for v in before] if before else None, [str(v) for v in after]]
        if changes:
            budget.save(update_fields=["updated_at"])
            audit_record(actor=actor, action="finance.budget.lines", obj=budget, changes=changes)
    return budget


def budget_transition(*, actor: Any, budget_id: int, action: str, note: str = "") -> Budget:
    """Submit (locks the lines), send back, or approve (批复数 := 本年预算) a budget."""
    return budget_perform(actor=actor, budget_id=budget_id, action=action, note=note).obj


def budget_perform(*, actor: Any, budget_id: int, action: str, note: str = "") -> Result:
    named = [t for t in workflow.TRANSITIONS if t.action == action]
    if not named:
        raise FinanceError(_("未知的预算操作。"))
    # 403 for someone who may read the budget but not do this (a budget never moves unit).
    access.require(actor, named[0].permission, Budget.objects.select_related("org_unit").get(pk=budget_id).org_unit)
    return perform(BUDGET, actor=actor, pk=budget_id, action=action, comment=note)


def _budget_apply(budget: Budget, t: Transition, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    now = timezone.now()
    if t.target == BudgetStatus.SUBMITTED:
        budget.submitted_at, budget.submitted_by = now, actor
    if t.target == BudgetStatus.APPROVED:
        budget.approved_at, budget.approved_by = now, actor
        for line in budget.lines.select_for_update():
            line.approved = line.planned
            line.save(update_fields=["approved", "updated_at"])
    return {"note": comment} if comment else {}


BUDGET = Workflow(
    name="finance.budget",
    model=Budget,
    transitions=workflow.TRANSITIONS,
    can=lambda user, perm, budget, at: access.can(user, perm, budget.org_unit),
    is_subject=lambda user, budget: False,  # a budget is the unit's, not a person's case
    notice_kind=workflow.YOUR_TURN,
    url=lambda budget: reverse("finance:budget_detail", args=[budget.pk]),
    recipients={
        workflow.TO_APPROVERS: Recipients(_l("批复人"), lambda budget: access.holders(APPROVE_BUDGET, budget.org_unit)),
        workflow.TO_SUBMITTER: Recipients(
            _l("提交人"), lambda budget: [budget.submitted_by] if budget.submitted_by_id else []
        ),
    },
    apply=_budget_apply,
    state_field="status",
    related=("org_unit", "submitted_by"),
    noun=_l("预算"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=FinanceError,
)


def budget_adjust(
    *, actor: Any, budget_id: int, account: Account | str | int, amount: Any, reason: str
) -> BudgetAdjustment:
    """预算调整 on an approved budget: a signed amount with its reason, never an edit of the line.

    An account without a line gets one (approved 0) so that it can be budgeted during the year.
    The adjusted figure may not fall below what is already spent on the line.
    """
    account = resolve_account(account)
    reason = (reason or "").strip()
    try:
        value = to_decimal(amount)
    except ValueError:
        raise FinanceError(_("金额“%(value)s”不是有效的数字。") % {"value": amount}) from None
    if not value.is_finite() or value == 0 or value != value.quantize(Decimal("0.01")):
        raise FinanceError(_("调整金额不能为零，最多两位小数（调减请填负数）。"))
    if not reason:
        raise FinanceError(_("请填写调整原因。"))
    if len(reason) > 200:
        raise FinanceError(_("调整原因最多 200 字。"))
    with transaction.atomic():
        budget = _locked_budget(budget_id)
        access.require(actor, APPROVE_BUDGET, budget.org_unit)
        if budget.status not in workflow.IN_FORCE_STATUSES:
            raise FinanceError(
                _("预算当前状态为“%(status)s”：批复前请直接修改预算，批复后才记录调整。")
                % {"status": budget.get_status_display()}
            )
        _lock_books(budget.org_unit_id, budget.year)
        line, _created = BudgetLine.objects.get_or_create(
            budget=budget, account=account, defaults={"planned": ZERO, "approved": ZERO}
        )
        available = line_available(line) + value
        if available < 0:
            raise FinanceError(_("调整后预算不能为负数。"))
        if account.kind == AccountKind.EXPENSE:
            spent = spent_on(budget.org_unit_id, budget.year, account.code)
            if available < spent:
                raise FinanceError(
                    _("调整后预算 %(available)s 元少于已支出的 %(spent)s 元。")
                    % {"available": yuan(available), "spent": yuan(spent)}
                )
        adjustment = BudgetAdjustment.objects.create(line=line, amount=value, reason=reason, recorded_by=actor)
        audit_record(
            actor=actor,
            action="finance.budget.adjust",
            obj=budget,
            changes={"account": str(account), "amount": str(value), "reason": reason, "available": str(available)},
        )
    return adjustment
