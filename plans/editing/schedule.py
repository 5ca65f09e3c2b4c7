"""The 活动安排: its entries, and the months a heading like "七、八月份" names."""

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from union_office.audit import field_changes

from ..models import ScheduleEntry
from .base import (
    MONTH_MAX,
    PlanEditError,
    _audit,
    _bump,
    _entry_of,
    _insert,
    _open,
    _renumber,
    _text,
)

_MONTH_NAMES = {"元": 1, "正": 1, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_MONTH_NAMES |= {"七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12, "腊": 12, "冬": 11}
# A month in a 活动安排 heading: "3月", "元月", "十一月份", "七、八月份" (the 月 may be shared).
_MONTH_TOKEN = re.compile(r"(1[0-2]|0?[1-9])(?!\d)|(十[一二]?|[元正一二三四五六七八九腊冬])")


def months_of(month_text: str) -> tuple[int | None, int | None]:
    """(first month, last month) named in a 活动安排 heading, or (None, None) if it names none.

    "元月" → (1, 1); "七、八月份" → (7, 8); "3-5月" → (3, 5); "全年" → (None, None).
    """
    if "月" not in month_text:
        return None, None
    months = []
    for digits, chinese in _MONTH_TOKEN.findall(month_text):
        months.append(int(digits) if digits else _MONTH_NAMES[chinese])
    months = [m for m in months if 1 <= m <= 12]
    if not months:
        return None, None
    return min(months), max(months)


def _entry_values(month_text: str, activity: str) -> dict[str, Any]:
    month_text = _text(month_text, field="month_text", label=_("月份"), required=True, max_length=MONTH_MAX)
    activity = _text(activity, field="activity", label=_("活动"), required=True)
    month_start, month_end = months_of(month_text)
    return {"month_text": month_text, "month_start": month_start, "month_end": month_end, "activity": activity}


def schedule_entry_add(
    *,
    actor: Any,
    plan_id: int,
    expected_revision: int | None,
    month_text: str,
    activity: str,
    after_id: int | None = None,
) -> ScheduleEntry:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        values = _entry_values(month_text, activity)
        siblings = list(plan.schedule.order_by("position", "pk"))
        entry = ScheduleEntry.objects.create(plan=plan, position=len(siblings), **values)
        _renumber(_insert(siblings, entry, after_id=after_id))
        _bump(plan)
        _audit(actor, "plan.schedule_add", plan, {"entry": entry.pk, "month_text": entry.month_text})
    return entry


def schedule_entry_update(
    *, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int, month_text: str, activity: str
) -> ScheduleEntry:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        values = _entry_values(month_text, activity)
        changes = field_changes(entry, {name: values[name] for name in ("month_text", "activity")})
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*values, "updated_at"])
        _bump(plan)
        _audit(actor, "plan.schedule_update", plan, {"entry": entry.pk, **changes})
    return entry


def schedule_entry_delete(*, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int) -> None:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        removed = {"entry": entry.pk, "month_text": entry.month_text, "activity": entry.activity}
        entry.delete()
        _renumber(plan.schedule.order_by("position", "pk"))
        _bump(plan)
        _audit(actor, "plan.schedule_delete", plan, removed)


def schedule_entry_move(
    *, actor: Any, plan_id: int, expected_revision: int | None, entry_id: int, new_index: int
) -> None:
    try:
        new_index = int(new_index)
    except (TypeError, ValueError):
        raise PlanEditError(_("拖动的位置无效，请刷新后再试。")) from None
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        entry = _entry_of(plan, entry_id)
        _renumber(_insert(list(plan.schedule.order_by("position", "pk")), entry, index=new_index))
        _bump(plan)
        _audit(actor, "plan.schedule_move", plan, {"entry": entry.pk, "index": new_index})
