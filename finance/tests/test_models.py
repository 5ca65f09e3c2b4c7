"""The chart of accounts from the migration and the rows the books keep forever."""

import pytest
from django.db import IntegrityError, transaction

from finance.models import Account, AccountKind, LedgerEntry, LedgerImmutableError, MonthClose

pytestmark = pytest.mark.django_db


def test_chart_of_accounts_is_loaded_with_sub_items():
    codes = dict(Account.objects.values_list("code", "name"))
    assert [c for c in codes if len(c) == 3] == [str(n) for n in range(401, 409)] + [str(n) for n in range(501, 509)]
    assert codes["401"] == "会费收入" and codes["508"] == "其他支出"
    assert codes["50201"] == "困难职工帮扶" and codes["50202"] == "送温暖"
    assert codes["50101"] == "文体活动" and codes["50102"] == "职工集体福利"
    for account in Account.objects.exclude(parent=None).select_related("parent"):
        assert account.code.startswith(account.parent.code) and account.kind == account.parent.kind
    assert set(Account.objects.filter(code__startswith="4").values_list("kind", flat=True)) == {AccountKind.INCOME}
    assert set(Account.objects.filter(code__startswith="5").values_list("kind", flat=True)) == {AccountKind.EXPENSE}


def test_account_codes_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(code="401", name="重复", kind=AccountKind.INCOME)


def test_account_code_must_be_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(code="40X", name="坏编码", kind=AccountKind.INCOME)


def test_ledger_rows_cannot_be_deleted_or_updated_in_bulk():
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.all().update(summary="改")
    with pytest.raises(LedgerImmutableError):
        MonthClose(year=2026, month=1).delete()


def test_admin_renames_an_account_with_an_audit_entry_and_never_deletes(client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from union_office.models import AuditEntry

    admin_user = get_user_model().objects.create_superuser("root", "root@example.org", "x-password-123")
    client.force_login(admin_user)
    account = Account.objects.get(code="502")
    url = reverse("admin:finance_account_change", args=[account.pk])
    response = client.post(url, {"name": "职工服务支出", "is_active": "on"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.name == "职工服务支出" and account.code == "502"
    entry = AuditEntry.objects.get(action="finance.account.change")
    assert entry.changes == {"name": ["维权支出", "职工服务支出"]}
    assert client.post(reverse("admin:finance_account_delete", args=[account.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:finance_ledgerentry_add")).status_code == 403
