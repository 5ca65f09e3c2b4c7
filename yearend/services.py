"""Writes to a summary: draft (and re-draft) it from the records, edit a section, move it along
the workflow. Each locks the summary row, checks the state against yearend/workflow.py, writes and
records an audit entry in the same transaction; the moves go through the workflow kernel."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from members import access
from members.models import OrgUnit
from union_office.audit import audit_record
from union_office.workflow import Recipients, Result, Workflow, earlier_actors, perform

from . import figures, workflow
from .fields import default_text
from .models import Summary, SummarySection, SummaryStatus

TITLE_MAX = SummarySection._meta.get_field("title").max_length
TEXT_MAX = 10000


class SummaryError(ValidationError):
    """A change the summary's state or content does not allow, readable by the user."""


def _locked(summary_id: int) -> Summary:
    try:
        return Summary.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=summary_id)
    except Summary.DoesNotExist:
        raise SummaryError(_("没有找到该总结。")) from None


def _check_year(year: Any) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise SummaryError(_("请填写年度，例如 2026。")) from None
    if not 2000 <= year <= 2100:
        raise SummaryError(_("年度应在 2000 至 2100 之间。"))
    return year


def year_sections(unit: OrgUnit, year: int) -> list[dict[str, Any]]:
    """What the records say, section by section: the plan's top-level sections, then the rest."""
    plan = figures.year_plan(unit, year)
    sections = figures.plan_sections(plan) if plan is not None else []
    return sections + figures.standard_sections(unit, year)


def summary_draft(*, actor: Any, org_unit: OrgUnit, year: Any) -> Summary:
    """Create the unit's summary of `year` from the records, or refresh the figures of its draft.

    A re-draft keeps every section's title and text as the chair left them and replaces only the
    figures; a section that the records no longer produce (a plan section deleted since) keeps its
    text and its last figures, after the others.
    """
    year = _check_year(year)
    access.require(actor, workflow.EDIT, org_unit)
    data = year_sections(org_unit, year)  # read before the lock: the lock is held only to write
    with transaction.atomic():
        # The unit row serialises two first drafts of the same year (the unique constraint is the last guard).
        OrgUnit.objects.select_for_update().filter(pk=org_unit.pk).first()
        summary, created = Summary.objects.select_for_update(of=("self",)).get_or_create(
            org_unit=org_unit,
            year=year,
            defaults={
                "title": _("%(unit)s%(year)s年度工作总结") % {"unit": org_unit.name, "year": year},
                "created_by": actor,
            },
        )
        if summary.status not in workflow.EDITABLE_STATUSES:
            raise SummaryError(
                _("总结当前状态为“%(status)s”，不能重新提取数据。") % {"status": summary.get_status_display()}
            )
        existing = {section.key: section for section in summary.sections.all()}
        new, changed = [], []
        for position, part in enumerate(data):
            section = existing.pop(part["key"], None)
            if section is None:
                new.append(
                    SummarySection(
                        summary=summary,
                        key=part["key"],
                        position=position,
                        title=part["title"][:TITLE_MAX],
                        text=default_text(part["key"]),
                        figures=part["figures"],
                    )
                )
            else:
                section.position, section.figures = position, part["figures"]
                changed.append(section)
        for offset, section in enumerate(sorted(existing.values(), key=lambda s: s.position)):
            section.position = len(data) + offset
            changed.append(section)
        SummarySection.objects.bulk_create(new)
        SummarySection.objects.bulk_update(changed, ["position", "figures"])
        summary.revision += 1
        summary.drafted_at = timezone.now()
        summary.save(update_fields=["revision", "drafted_at", "updated_at"])
        audit_record(
            actor=actor,
            action="summary.draft" if created else "summary.redraft",
            obj=summary,
            changes={"year": year, "sections": len(data), "revision": summary.revision},
        )
    return summary


def summary_section_edit(
    *, actor: Any, section_id: int, title: str, text: str, expected_revision: Any
) -> SummarySection:
    """The chair's words for one section; refused on a stale revision (someone saved in between)."""
    try:
        summary_id = SummarySection.objects.values_list("summary_id", flat=True).get(pk=section_id)
    except SummarySection.DoesNotExist:
        raise SummaryError(_("该章节已不存在，请刷新后再改。")) from None
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise SummaryError({"title": _("请填写标题。")})
    if len(title) > TITLE_MAX:
        raise SummaryError({"title": _("标题最多 %(max)s 字。") % {"max": TITLE_MAX}})
    if len(text) > TEXT_MAX:
        raise SummaryError({"text": _("正文最多 %(max)s 字。") % {"max": TEXT_MAX}})
    with transaction.atomic():
        summary = _locked(summary_id)
        access.require(actor, workflow.EDIT, summary.org_unit)
        if summary.status not in workflow.EDITABLE_STATUSES:
            raise SummaryError(_("只有草稿可以修改。"))
        if str(expected_revision) != str(summary.revision):
            raise SummaryError(_("该总结已被他人修改，您的内容没有保存，请刷新后再改。"))
        section = SummarySection.objects.get(pk=section_id)
        before = {"title": section.title, "text": section.text}
        section.title, section.text = title, text
        section.save(update_fields=["title", "text"])
        summary.revision += 1
        summary.save(update_fields=["revision", "updated_at"])
        audit_record(
            actor=actor,
            action="summary.section_edit",
            obj=summary,
            changes={"section": section.key, "before": before, "revision": summary.revision},
        )
    return section


def _apply(summary: Summary, t: Any, *, actor: Any, comment: str, fields: dict) -> dict[str, Any]:
    if t.target == SummaryStatus.REVIEW:
        summary.submitted_at = timezone.now()
    if t.target == SummaryStatus.FINAL:
        summary.finalized_at = timezone.now()
    return {}


def _submitter(summary: Summary) -> list[Any]:
    ids = earlier_actors(SUMMARY, summary, ["submit"])
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


SUMMARY = Workflow(
    name="summary",
    model=Summary,
    transitions=workflow.TRANSITIONS,
    can=lambda user, perm, summary, at: access.can(user, perm, summary.org_unit),
    is_subject=lambda user, summary: False,  # a summary is the unit's, not a person's case
    notice_kind=workflow.YOUR_TURN,
    url=lambda summary: reverse("yearend:summary", args=[summary.pk]),
    recipients={
        workflow.TO_APPROVERS: Recipients(_l("审批人"), lambda s: access.holders(workflow.APPROVE, s.org_unit)),
        workflow.TO_SUBMITTER: Recipients(_l("提交人"), _submitter),
    },
    apply=_apply,
    state_field="status",
    related=("org_unit",),
    noun=_l("总结"),
    permission_label=lambda perm: access.PERMISSIONS[perm].label,
    error=SummaryError,
)


def summary_transition(*, actor: Any, summary_id: int, action: str) -> Result:
    """Move a summary along yearend/workflow.py's table (403 first, then the state)."""
    named = [t for t in workflow.TRANSITIONS if t.action == action]
    if not named:
        raise SummaryError(_("未知的总结操作。"))
    unit = Summary.objects.select_related("org_unit").filter(pk=summary_id).first()
    if unit is None:
        raise SummaryError(_("没有找到该总结。"))
    access.require(actor, named[0].permission, unit.org_unit)
    return perform(SUMMARY, actor=actor, pk=summary_id, action=action)
