"""The union's books (工会经费): chart of accounts, yearly budgets, the ledger, month closing, 会费.

The ledger is append-only. An entry is never edited or deleted: a mistake is corrected by a
reversing entry (红字冲销) booked in an open month, and a closed month (结账) takes no new entries.
Every write goes through finance/services/, which numbers vouchers without gaps, checks the
budget and records the audit entry in the same transaction. docs/finance.md gives the reasons.

Amounts are stored positive; the sign of an entry's effect is `signed_amount` (negative for a
reversal), a column computed by the database so reports sum it directly.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from members.models import OrgUnit
from union_office.models import TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}


class LedgerImmutableError(Exception):
    """Something tried to edit or delete a row the books keep forever."""


class AccountKind(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class Account(TimeStampedModel):
    """One line of the chart of accounts (会计科目): 401 会费收入, 502 维权支出, 50201 困难职工帮扶 …

    A sub-item's code extends its parent's (50201 under 502), so "this line and its sub-items" is
    `code__startswith`, one index range scan. Names may be edited per installation (the 2021 revision
    of 工会会计制度 renamed some lines); codes, kind and parent are fixed once entries use them.
    """

    Kind = AccountKind

    code = models.CharField(_("科目编码"), max_length=10, unique=True)
    name = models.CharField(_("科目名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=10, choices=AccountKind)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级科目"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("会计科目")
        verbose_name_plural = _("会计科目")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="account_kind_valid"),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{3,10}$"), name="account_code_digits"),
        ]
        indexes = [
            # code__startswith: a line with its sub-items (the unique index serves equality only on PG).
            models.Index(fields=["code"], name="account_code_like_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        return 1 if self.parent_id is None else 2


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已批复")


class Budget(TimeStampedModel):
    """A bookkeeping unit's budget (年度预算) for one fiscal year (the calendar year, 工会会计制度).

    草稿 (the treasurer fills in the lines) → 已提交 (locked) → 已批复 (the chair approves; the
    approved figures are fixed). Later changes are BudgetAdjustment rows, never edits.
    """

    Status = BudgetStatus

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=BudgetStatus, default=BudgetStatus.DRAFT)
    note = models.TextField(_("编制说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("编制人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批复时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        ordering = ["-year", "org_unit__path"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BudgetStatus.values), name="budget_status_valid"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="budget_year_sane"),
            models.UniqueConstraint(fields=["org_unit", "year"], name="budget_unique_unit_year"),
        ]

    def __str__(self) -> str:
        return _("%(unit)s%(year)s年预算") % {"unit": self.org_unit, "year": self.year}


class BudgetLine(TimeStampedModel):
    """One account's figures in a budget: 上年决算, 本年预算, 批复 (copied from 本年预算 on approval).

    No line for a sub-item means it is budgeted under its parent line; a line of 0 means "nothing
    may be spent here". 调整 is the sum of the line's BudgetAdjustment rows.
    """

    budget = models.ForeignKey(Budget, verbose_name=_("预算"), on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, verbose_name=_("科目"), on_delete=models.PROTECT, related_name="+")
    previous_actual = models.DecimalField(_("上年决算"), **MONEY, default=0)
    planned = models.DecimalField(_("本年预算"), **MONEY, default=0)
    approved = models.DecimalField(_("批复数"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("预算行")
        verbose_name_plural = _("预算行")
        ordering = ["account__code"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "account"], name="budgetline_unique_account"),
            models.CheckConstraint(condition=Q(planned__gte=0), name="budgetline_planned_not_negative"),
            models.CheckConstraint(condition=Q(previous_actual__gte=0), name="budgetline_previous_not_negative"),
            models.CheckConstraint(
                condition=Q(approved__isnull=True) | Q(approved__gte=0), name="budgetline_approved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget} · {self.account}"


class BudgetAdjustment(TimeStampedModel):
    """A change to an approved line (预算调整): signed, with the reason; kept forever."""

    line = models.ForeignKey(BudgetLine, verbose_name=_("预算行"), on_delete=models.PROTECT, related_name="adjustments")
    amount = models.DecimalField(_("调整金额"), **MONEY)
    reason = models.CharField(_("调整原因"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("预算调整")
        verbose_name_plural = _("预算调整")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="budgetadjustment_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.line.account} {self.amount:+}"

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("budget adjustments are never deleted; record an opposite one")


class VoucherCounter(models.Model):
    """The last voucher number used by a unit in a year.

    Numbering locks this row (select_for_update) in the booking's transaction, so concurrent
    bookings queue on it and a rolled-back booking gives its number back: no gaps, no duplicates.
    It is also the lock that orders booking against closing a month.
    """

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="vouchercounter_unique_unit_year"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id}/{self.year}: {self.last_number}"


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError("ledger entries are never changed; book a reversing entry")

    def delete(self):
        raise LedgerImmutableError("ledger entries are never deleted; book a reversing entry")


class LedgerEntry(models.Model):
    """One booking (记账凭证) on one account: append-only.

    Direction follows the account: an income account's entries are 贷 (income), an expense
    account's 借 (expense). A reversal (红字冲销) points at the entry it cancels, has the same
    account and amount, and counts negative (`signed_amount`).
    """

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    # The fiscal year of `date`, stored for the voucher number's uniqueness.
    year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    voucher_number = models.PositiveIntegerField(_("凭证号"), editable=False)
    date = models.DateField(_("记账日期"))
    account = models.ForeignKey(Account, verbose_name=_("科目"), on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(_("金额"), **MONEY)
    is_reversal = models.BooleanField(_("红字冲销"), default=False)
    signed_amount = models.GeneratedField(
        expression=Case(When(is_reversal=True, then=-F("amount")), default=F("amount")),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
        verbose_name=_("发生额"),
    )
    summary = models.CharField(_("摘要"), max_length=200)
    counterparty = models.CharField(_("往来单位/个人"), max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    # What caused the entry (an aid payout, an event expense, a dues batch, a form submission):
    # "<app>.<model>:<pk>" or "form:<token>". Unique per unit, so one source is booked once.
    source_key = models.CharField(_("来源"), max_length=100, blank=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记账人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(_("记账时间"), auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["date", "voucher_number"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledgerentry_amount_positive"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="ledgerentry_year_sane"),
            models.CheckConstraint(
                condition=Q(is_reversal=False, reverses__isnull=True) | Q(is_reversal=True, reverses__isnull=False),
                name="ledgerentry_reversal_has_target",
            ),
            models.UniqueConstraint(
                fields=["org_unit", "year", "voucher_number"], name="ledgerentry_unique_voucher_per_year"
            ),
            models.UniqueConstraint(
                fields=["org_unit", "source_key"],
                condition=~Q(source_key=""),
                name="ledgerentry_unique_source",
            ),
        ]
        indexes = [
            # Ledger list and period reports of one unit: WHERE org_unit = … AND date BETWEEN ….
            models.Index(fields=["org_unit", "date"], name="ledgerentry_unit_date_idx"),
            # 明细账 of one account, and "is this account used?" before renaming it.
            models.Index(fields=["account", "date"], name="ledgerentry_account_date_idx"),
            # "entries caused by this record" from the welfare/activities pages.
            models.Index(fields=["source_type", "source_id"], name="ledgerentry_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.voucher_number:04d} {self.summary}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise LedgerImmutableError("ledger entries are never changed; book a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("ledger entries are never deleted; book a reversing entry")

    @property
    def voucher_label(self) -> str:
        """2026-0007: how the voucher number is printed (year and number, four digits)."""
        return f"{self.year}-{self.voucher_number:04d}"

    @property
    def direction(self) -> str:
        """借 (expense) or 贷 (income), from the account."""
        return _("借") if self.account.kind == AccountKind.EXPENSE else _("贷")


class MonthClose(models.Model):
    """A closed month (结账): no entry may be booked on or before it in that year.

    The month's totals are kept as they were at closing, so a later check can prove they held.
    """

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    income_total = models.DecimalField(_("本月收入"), **MONEY)
    expense_total = models.DecimalField(_("本月支出"), **MONEY)
    entry_count = models.PositiveIntegerField(_("凭证数"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("结账人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结账时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度结账")
        verbose_name_plural = _("月度结账")
        ordering = ["-year", "-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="monthclose_month_valid"),
            models.UniqueConstraint(fields=["org_unit", "year", "month"], name="monthclose_unique_month"),
        ]

    def __str__(self) -> str:
        return _("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise LedgerImmutableError("a month close is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("a closed month is never reopened")


class DuesBatch(TimeStampedModel):
    """One month's 会费 of a unit: a line per member, booked as one 401 会费收入 entry."""

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    member_count = models.PositiveIntegerField(_("人数"))
    total = models.DecimalField(_("会费合计"), **MONEY)
    entry = models.OneToOneField(
        LedgerEntry, verbose_name=_("记账凭证"), null=True, on_delete=models.PROTECT, related_name="dues_batch"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("会费批次")
        verbose_name_plural = _("会费批次")
        ordering = ["-year", "-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="duesbatch_month_valid"),
            models.CheckConstraint(condition=Q(total__gt=0), name="duesbatch_total_positive"),
            models.UniqueConstraint(fields=["org_unit", "year", "month"], name="duesbatch_unique_month"),
        ]

    def __str__(self) -> str:
        return _("%(unit)s%(year)s年%(month)s月会费") % {"unit": self.org_unit, "year": self.year, "month": self.month}

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("a booked dues batch is never deleted; reverse its entry")


class DuesLine(models.Model):
    """One member's dues in a batch, with the wage base it was computed from (kept as it was)."""

    batch = models.ForeignKey(DuesBatch, verbose_name=_("会费批次"), on_delete=models.PROTECT, related_name="lines")
    member = models.ForeignKey("members.Member", verbose_name=_("会员"), on_delete=models.PROTECT, related_name="+")
    wage_base = models.DecimalField(_("工资基数"), **MONEY)
    amount = models.DecimalField(_("会费"), **MONEY)

    class Meta:
        verbose_name = _("会费明细")
        verbose_name_plural = _("会费明细")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "member"], name="duesline_unique_member"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="duesline_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.amount}"


class OpeningBalance(models.Model):
    """上年结余: the fund balance a unit's books carry into a year, entered once, never changed.

    The books start in this system with no history, so the 经费收支表's 本年结余 needs it:
    上年结余 + 本年收入 − 本年支出. It may be negative (a deficit carried over).
    """

    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("上年结余"), **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("上年结余")
        verbose_name_plural = _("上年结余")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="openingbalance_unique_unit_year"),
        ]

    def __str__(self) -> str:
        return _("%(year)s年上年结余") % {"year": self.year}

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise LedgerImmutableError("an opening balance is never changed")
        super().save(*args, **kwargs)
