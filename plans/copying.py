"""Copying a plan's content into another plan: a new version, or last year's plan as this year's."""

from collections.abc import Callable
from typing import Any

from .models import Item, Plan, ScheduleEntry, Section

ITEM_FIELDS = [
    "position",
    "content",
    "goal",
    "measures",
    "deadline_text",
    "deadline_due",
    "deadline_ok",
    "owner_text",
    "owner_id",
    "status",
    "progress_note",
]
SCHEDULE_FIELDS = ["position", "month_text", "month_start", "month_end", "activity"]


def copy_plan_content(
    source: Plan, target: Plan, *, item_changes: Callable[[Item], dict[str, Any]] | None = None
) -> tuple[int, int]:
    """Copy the section tree, the items and the 活动安排 of `source` into `target`.

    `item_changes(item)` returns fields to set differently on an item's copy (a copy from last
    year resets status and progress and re-reads the 时限). Returns (sections, items) copied.
    """
    sections = list(Section.objects.filter(plan=source).order_by("parent_id", "position", "pk"))
    # Level by level, so every parent has its new pk before its children are written.
    new_ids: dict[int | None, int | None] = {None: None}
    level = [s for s in sections if s.parent_id is None]
    while level:
        copies = Section.objects.bulk_create(
            Section(plan=target, parent_id=new_ids[s.parent_id], position=s.position, title=s.title, text=s.text)
            for s in level
        )
        new_ids.update({old.pk: copy.pk for old, copy in zip(level, copies, strict=True)})
        done = {s.pk for s in level}
        level = [s for s in sections if s.parent_id in done]
    items = list(Item.objects.filter(section__plan=source).order_by("pk"))
    Item.objects.bulk_create(
        Item(
            section_id=new_ids[item.section_id],
            **({name: getattr(item, name) for name in ITEM_FIELDS} | (item_changes(item) if item_changes else {})),
        )
        for item in items
    )
    ScheduleEntry.objects.bulk_create(
        ScheduleEntry(plan=target, **{name: getattr(entry, name) for name in SCHEDULE_FIELDS})
        for entry in ScheduleEntry.objects.filter(plan=source).order_by("position", "pk")
    )
    return len(sections), len(items)
