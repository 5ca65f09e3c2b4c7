"""The plan itself: starting it (empty, from last year's plan, from a reviewed paste) and its header."""

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from members import access
from members.models import OrgUnit
from union_office.audit import field_changes

from ..copying import copy_plan_content
from ..models import Item, ItemStatus, Plan, PlanStatus, ScheduleEntry, Section
from .base import (
    DEADLINE_MAX,
    EDIT_PERM,
    MONTH_MAX,
    OWNER_MAX,
    SECTION_TITLE_MAX,
    TITLE_MAX,
    VIEW_PERM,
    PlanEditError,
    _audit,
    _check_year,
    _deadline_fields,
    _open,
    _text,
)
from .schedule import months_of

# --- The importer's tree, as far as we read it (plans/importer/) -------------------------------


class ParsedItemLike(Protocol):
    content: str
    goal: str
    measures: str
    deadline_text: str
    owner_text: str


class ParsedSectionLike(Protocol):
    title: str
    children: Sequence["ParsedSectionLike"]
    items: Sequence[ParsedItemLike]


class ParsedScheduleLike(Protocol):
    month_text: str
    activities: Sequence[str]
    # Also read when present: months (七、八月份 → [7, 8]) and theme.


class ParsedPlanLike(Protocol):
    title: str
    year: int | None
    guiding_ideas: str
    sections: Sequence[ParsedSectionLike]
    schedule: Sequence[ParsedScheduleLike]


def _title_for_year(title: str, old_year: int, new_year: int) -> str:
    return title.replace(str(old_year), str(new_year)) if str(old_year) in title else title


def _check_unit_year_free(org_unit: OrgUnit, year: int) -> None:
    existing = Plan.objects.filter(org_unit=org_unit, year=year).order_by("-version").first()
    if existing is not None:
        raise PlanEditError(
            _("“%(unit)s”已有 %(year)s 年的计划《%(title)s》（第 %(version)s 版，%(status)s），请在该计划上修改。")
            % {
                "unit": org_unit.name,
                "year": year,
                "title": existing.title,
                "version": existing.version,
                "status": existing.get_status_display(),
            }
        )


def _new_plan(*, actor: Any, org_unit: OrgUnit, year: int, title: str, guiding_ideas: str = "") -> Plan:
    access.require(actor, EDIT_PERM, org_unit)
    year = _check_year(year)
    title = _text(title, field="title", label=_("标题"), required=True, max_length=TITLE_MAX)
    # No lock can cover a row that does not exist yet; the unique (unit, year, version) constraint
    # does: of two people creating the same year's plan at once, the second gets the message below.
    _check_unit_year_free(org_unit, year)
    try:
        with transaction.atomic():
            return Plan.objects.create(
                org_unit=org_unit,
                year=year,
                version=1,
                title=title,
                guiding_ideas=guiding_ideas,
                status=PlanStatus.DRAFT,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        _check_unit_year_free(org_unit, year)
        raise


# --- The plan ------------------------------------------------------------------------------


def plan_create(*, actor: Any, org_unit: OrgUnit, year: int, title: str) -> Plan:
    """A new, empty draft for a unit and a year."""
    with transaction.atomic():
        plan = _new_plan(actor=actor, org_unit=org_unit, year=year, title=title)
        _audit(actor, "plan.create", plan, {"title": plan.title, "year": plan.year, "org_unit": str(org_unit)})
    return plan


def plan_update_header(
    *, actor: Any, plan_id: int, expected_revision: int | None, title: str, guiding_ideas: str
) -> Plan:
    with transaction.atomic():
        plan = _open(actor=actor, plan_id=plan_id, expected_revision=expected_revision)
        title = _text(title, field="title", label=_("标题"), required=True, max_length=TITLE_MAX)
        guiding_ideas = _text(guiding_ideas, field="guiding_ideas", label=_("指导思想"))
        changes = field_changes(plan, {"title": title, "guiding_ideas": guiding_ideas})
        plan.title, plan.guiding_ideas = title, guiding_ideas
        plan.revision += 1
        plan.save(update_fields=["title", "guiding_ideas", "revision", "updated_at"])
        _audit(actor, "plan.update", plan, changes)
    return plan


# --- Starting a plan from something --------------------------------------------------------


def plan_copy_from(*, actor: Any, source_plan_id: int, org_unit: OrgUnit, year: int, title: str = "") -> Plan:
    """Last year's plan as this year's draft: the same tree and 活动安排, every item back to 未开始
    with no progress note, and each 时限 read again for the new year. The year in the title follows."""
    year = _check_year(year)
    try:
        source = access.visible(actor, VIEW_PERM, Plan.objects.all()).get(pk=source_plan_id)
    except Plan.DoesNotExist:
        raise PlanEditError({"source": _("没有找到要复制的计划，或您无权查看。")}) from None
    with transaction.atomic():
        plan = _new_plan(
            actor=actor,
            org_unit=org_unit,
            year=year,
            title=title or _title_for_year(source.title, source.year, year),
            guiding_ideas=source.guiding_ideas,
        )
        sections, items = copy_plan_content(
            source,
            plan,
            item_changes=lambda item: {
                "status": ItemStatus.NOT_STARTED,
                "progress_note": "",
                **_deadline_fields(item.deadline_text, year),
            },
        )
        _audit(
            actor,
            "plan.copy",
            plan,
            {"source": source.pk, "source_year": source.year, "sections": sections, "items": items},
        )
    return plan


def _save_parsed_sections(plan: Plan, parsed: Sequence[ParsedSectionLike], parent: Section | None) -> tuple[int, int]:
    sections = items = 0
    for position, node in enumerate(parsed):
        title = (node.title or "").strip()[:SECTION_TITLE_MAX] or _("（无标题）")
        section = Section.objects.create(plan=plan, parent=parent, position=position, title=title)
        sections += 1
        Item.objects.bulk_create(
            Item(
                section=section,
                position=index,
                content=(item.content or "").strip(),
                goal=(item.goal or "").strip(),
                measures=(item.measures or "").strip(),
                owner_text=(item.owner_text or "").strip()[:OWNER_MAX],
                **_deadline_fields((item.deadline_text or "").strip()[:DEADLINE_MAX], plan.year),
            )
            for index, item in enumerate(node.items)
            if (item.content or "").strip()
        )
        items += sum(1 for item in node.items if (item.content or "").strip())
        more_sections, more_items = _save_parsed_sections(plan, node.children, section)
        sections += more_sections
        items += more_items
    return sections, items


def plan_create_from_parsed(
    *, actor: Any, org_unit: OrgUnit, year: int, parsed: ParsedPlanLike, title: str = ""
) -> Plan:
    """Save what plans/importer/ read from pasted text, after the user reviewed it, as a new draft."""
    year = _check_year(year)
    with transaction.atomic():
        plan = _new_plan(
            actor=actor,
            org_unit=org_unit,
            year=year,
            title=(title or parsed.title or "").strip()[:TITLE_MAX] or _("%(year)s年工作计划") % {"year": year},
            guiding_ideas=(parsed.guiding_ideas or "").strip(),
        )
        sections, items = _save_parsed_sections(plan, parsed.sections, None)
        entries = []
        for entry in parsed.schedule:
            # A month's heading in a table ("2月新学期新面貌") keeps its theme as the first line.
            lines = [getattr(entry, "theme", ""), *entry.activities]
            activity = "\n".join(line.strip() for line in lines if line and line.strip())
            month_text = (entry.month_text or "").strip()[:MONTH_MAX]
            if not activity or not month_text:
                continue
            months = [m for m in getattr(entry, "months", None) or [] if 1 <= m <= 12]
            start, end = (min(months), max(months)) if months else months_of(month_text)
            entries.append(
                ScheduleEntry(
                    plan=plan,
                    position=len(entries),
                    month_text=month_text,
                    month_start=start,
                    month_end=end,
                    activity=activity,
                )
            )
        ScheduleEntry.objects.bulk_create(entries)
        _audit(actor, "plan.import", plan, {"sections": sections, "items": items, "schedule": len(entries)})
    return plan
