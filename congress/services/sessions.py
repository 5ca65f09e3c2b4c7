"""Sessions (届次) and their delegates, imported from the roster."""

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from members import access
from members.models import Member, OrgUnit
from union_office.audit import audit_record, field_changes

from ..models import CongressSession, Delegate, DelegateCategory
from .common import REVIEW, CongressError

SESSION_FIELDS = (
    "kind",
    "term",
    "meeting",
    "year",
    "meeting_date",
    "motions_open_on",
    "motions_close_on",
    "min_cosigners",
    "reply_due_on",
    "frontline_min_percent",
    "leaders_max_percent",
    "women_margin_percent",
)


def session_save(
    *, actor: Any, org_unit: OrgUnit, values: dict[str, Any], session_id: int | None = None
) -> CongressSession:
    """Create a session at `org_unit`, or change one; the form has checked each value."""
    access.require(actor, REVIEW, org_unit)
    values = {name: values[name] for name in SESSION_FIELDS if name in values}
    with transaction.atomic():
        if session_id is None:
            if CongressSession.objects.filter(
                org_unit=org_unit, term=values["term"], meeting=values["meeting"]
            ).exists():
                raise CongressError(_("该单位已有这一届次的大会。"))
            session = CongressSession.objects.create(org_unit=org_unit, **values)
            audit_record(actor=actor, action="congress.session_create", obj=session, changes={"title": str(session)})
            return session
        session = CongressSession.objects.select_for_update(of=("self",)).get(pk=session_id, org_unit=org_unit)
        changes = field_changes(session, values)
        for name, value in values.items():
            setattr(session, name, value)
        session.save()
        audit_record(actor=actor, action="congress.session_update", obj=session, changes=changes)
        return session


@dataclass(frozen=True)
class DelegateRow:
    line: int
    member: Member
    group: str
    category: str


CATEGORY_NAMES = {str(label): value for value, label in DelegateCategory.choices} | {
    "一线": DelegateCategory.FRONTLINE,
    "专技": DelegateCategory.TECHNICAL,
    "专业技术": DelegateCategory.TECHNICAL,
    "管理": DelegateCategory.MANAGEMENT,
    "领导": DelegateCategory.LEADER,
    "中层以上领导干部": DelegateCategory.LEADER,
}
# A 职代会 has tens to a few hundred delegates; a paste of thousands of lines is a mistake.
MAX_DELEGATE_LINES = 3_000
_SPLIT = re.compile(r"[\t,，;；]+|\s{1,}")


def delegates_parse(*, session: CongressSession, text: str) -> tuple[list[DelegateRow], list[str]]:
    """Read pasted lines "会员编号或姓名  代表团  [类别]" against the roster of the session's unit.

    The category may be left out: members flagged 一线职工 in the roster become 一线职工 delegates,
    the others 管理人员 (to be corrected on the line). Returns the rows and the errors, per line.
    """
    roster = Member.objects.filter(org_unit__path__startswith=session.org_unit.path, status=Member.Status.ACTIVE)
    rows: list[DelegateRow] = []
    errors: list[str] = []
    seen: set[int] = set()
    lines = [(number, [p for p in _SPLIT.split(raw.strip()) if p]) for number, raw in enumerate(text.splitlines(), 1)]
    lines = [(number, parts) for number, parts in lines if parts]
    if len(lines) > MAX_DELEGATE_LINES:
        return [], [_("一次最多导入 %(max)s 名代表，请分批粘贴。") % {"max": MAX_DELEGATE_LINES}]
    # One query for every line (a query per line made a long paste cost minutes, under the session's lock).
    wanted = {parts[0] for _number, parts in lines}
    by_number: dict[str, list[Member]] = defaultdict(list)
    by_name: dict[str, list[Member]] = defaultdict(list)
    for found in roster.filter(Q(member_no__in=wanted) | Q(name__in=wanted)).order_by("pk"):
        by_number[found.member_no].append(found)
        by_name[found.name].append(found)
    for number, parts in lines:
        if len(parts) < 2 or len(parts) > 3:
            errors.append(
                _("第%(line)s行：应为“会员编号或姓名 代表团 [类别]”，以空格、逗号或制表符分隔。") % {"line": number}
            )
            continue
        who, group = parts[0], parts[1]
        matches = by_number.get(who) or by_name.get(who)
        if not matches:
            errors.append(_("第%(line)s行：本单位在册会员中没有“%(who)s”。") % {"line": number, "who": who})
            continue
        if len(matches) > 1:
            errors.append(_("第%(line)s行：有多名会员叫“%(who)s”，请改用会员编号。") % {"line": number, "who": who})
            continue
        member = matches[0]
        if len(parts) == 3:
            category = CATEGORY_NAMES.get(parts[2])
            if category is None:
                errors.append(
                    _("第%(line)s行：类别“%(value)s”无效，应为一线职工、专业技术人员、管理人员或领导干部。")
                    % {"line": number, "value": parts[2]}
                )
                continue
        else:
            category = DelegateCategory.FRONTLINE if member.frontline else DelegateCategory.MANAGEMENT
        if member.pk in seen:
            errors.append(_("第%(line)s行：%(who)s重复出现。") % {"line": number, "who": member.name})
            continue
        if not member.gender:
            errors.append(
                _("第%(line)s行：%(who)s的性别未登记，请先在花名册中补全。") % {"line": number, "who": member.name}
            )
            continue
        seen.add(member.pk)
        rows.append(DelegateRow(number, member, group[:50], category))
    if not rows and not errors:
        errors.append(_("没有读到任何代表：每行一名，“会员编号或姓名 代表团 [类别]”。"))
    return rows, errors


def delegates_import(*, actor: Any, session_id: int, text: str) -> int:
    """Add (or update the group and category of) the delegates listed; all or nothing."""
    with transaction.atomic():
        session = CongressSession.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=session_id)
        access.require(actor, REVIEW, session.org_unit)
        rows, errors = delegates_parse(session=session, text=text)
        if errors:
            raise CongressError(errors)
        existing = {d.member_id: d for d in Delegate.objects.filter(session=session)}
        created = 0
        for row in rows:
            delegate = existing.get(row.member.pk)
            if delegate is None:
                Delegate.objects.create(
                    session=session, member=row.member, group=row.group, category=row.category, gender=row.member.gender
                )
                created += 1
            elif (delegate.group, delegate.category) != (row.group, row.category):
                delegate.group, delegate.category = row.group, row.category
                delegate.save(update_fields=["group", "category", "updated_at"])
        audit_record(
            actor=actor,
            action="congress.delegates_import",
            obj=session,
            changes={"rows": len(rows), "created": created},
        )
        return created
