"""The chart of accounts after 工会会计制度 (DESIGN.md §3.6): what migration 0002 loads.

Also used to put the chart back where a test run emptied the tables (transactional tests flush
the database, data migrations included) and by the demo seeding. Only missing codes are added:
an installation's own names (the 2021 revision renamed some lines) are never overwritten.
"""

from typing import Any

# (code, name, kind); a sub-item's parent is the account whose code its own extends.
CHART = [
    ("401", "会费收入", "income"),
    ("402", "拨缴经费收入", "income"),
    ("403", "上级补助收入", "income"),
    ("404", "政府补助收入", "income"),
    ("405", "行政补助收入", "income"),
    ("406", "事业收入", "income"),
    ("407", "投资收益", "income"),
    ("408", "其他收入", "income"),
    ("501", "职工活动支出", "expense"),
    ("50101", "文体活动", "expense"),
    ("50102", "职工集体福利", "expense"),
    ("50103", "职工教育", "expense"),
    ("502", "维权支出", "expense"),
    ("50201", "困难职工帮扶", "expense"),
    ("50202", "送温暖", "expense"),
    ("50203", "劳动保护", "expense"),
    ("503", "业务支出", "expense"),
    ("504", "行政支出", "expense"),
    ("505", "资本性支出", "expense"),
    ("506", "补助下级支出", "expense"),
    ("507", "事业支出", "expense"),
    ("508", "其他支出", "expense"),
]


def load_chart(account_model: Any) -> int:
    """Create the accounts that are missing (`account_model`: the historical or the real model); returns how many."""
    created_count = 0
    by_code = {}
    for code, name, kind in CHART:
        parent = by_code.get(code[:3]) if len(code) > 3 else None
        account, created = account_model.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": parent}
        )
        by_code[code] = account
        created_count += created
    return created_count
