"""Copying a plan's content into another plan: a new version, or last year's plan as this year's."""

from collections.abc import Callable
from typing import Any

from activities.models import Event, Schedule

from .models import Item, Plan, ScheduleEntry, Section

# The source keys an activity made from a plan carries ("plans.scheduleentry:12", "plans.item:40"):
# how each side finds the other (activities never imports plans).
ENTRY_SOURCE = "plans.scheduleentry"
ITEM_SOURCE = "plans.item"

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


def relink_activities(source: Plan, target: Plan) -> int:
    """A new version of a plan takes over the activities made from the old version's 活动安排
    lines and items: their source keys are moved to the copies, so the new version shows the link
    (and offers no second 创建活动). The copies were written in the originals' order, so the n-th
    original pairs with the n-th copy. Returns the number of activities relinked."""
    pairs = {}
    for prefix, old, new in (
        (
            ENTRY_SOURCE,
            ScheduleEntry.objects.filter(plan=source).order_by("position", "pk"),  # the copying order
            ScheduleEntry.objects.filter(plan=target).order_by("pk"),
        ),
        (
            ITEM_SOURCE,
            Item.objects.filter(section__plan=source).order_by("pk"),
            Item.objects.filter(section__plan=target).order_by("pk"),
        ),
    ):
        old_pks, new_pks = old.values_list("pk", flat=True), new.values_list("pk", flat=True)
        pairs |= {f"{prefix}:{a}": f"{prefix}:{b}" for a, b in zip(old_pks, new_pks, strict=True)}
    moved = 0
    for activity_model in (Event, Schedule):
        for activity in activity_model.objects.filter(source_key__in=pairs).only("pk", "source_key"):
            moved += activity_model.objects.filter(pk=activity.pk).update(source_key=pairs[activity.source_key])
    return moved
