"""The congress documents: 提案汇编 (PDF), 提案办理情况一览表 (Excel), statistics.

Each function reads the session's registered motions in a fixed number of queries.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from union_office.pdf import render_pdf
from union_office.xlsx import Column, write_report

from . import selectors, workflow
from .models import CongressSession, Motion, MotionCategory, Satisfaction


def compilation_pdf(session: CongressSession) -> bytes:
    """提案汇编: a cover, the table of contents (with page numbers), then each registered motion
    with its proposers, text, handling and replies."""
    motions = list(selectors.motion_prefetch_for_compilation(session))
    context = {
        "session": session,
        "motions": motions,
        # The cover carries the session's date (the 大会日期), as a printed 汇编 does; the print date
        # only for a session that has none yet.
        "printed_on": session.meeting_date or timezone.localdate(),
        "key_count": sum(1 for m in motions if m.is_key),
        "summary": handling_summary(motions),
    }
    return render_pdf("congress/pdf/compilation.html", context)


def handling_summary(motions: list[Motion]) -> dict[str, int]:
    """The counts the 提案汇编 opens with: answered, closed, still in hand, and the proposers' ratings."""
    statuses = Counter(m.status for m in motions)
    ratings = Counter(m.satisfaction for m in motions if m.satisfaction)
    answered = statuses[Motion.Status.REPLIED] + statuses[Motion.Status.EVALUATED] + statuses[Motion.Status.CLOSED]
    return {
        "replied": answered,
        "closed": statuses[Motion.Status.CLOSED],
        "handling": len(motions) - answered,
        "rated": sum(ratings.values()),
        "satisfied": ratings[Satisfaction.SATISFIED],
        "basic": ratings[Satisfaction.BASIC],
        "unsatisfied": ratings[Satisfaction.UNSATISFIED],
    }


HANDLING_COLUMNS = [
    Column(gettext_lazy("提案号"), 10),
    Column(gettext_lazy("案题"), 36),
    Column(gettext_lazy("类别"), 16),
    Column(gettext_lazy("第一提案人"), 10),
    Column(gettext_lazy("代表团"), 12),
    Column(gettext_lazy("主办部门"), 14),
    Column(gettext_lazy("会办部门"), 18),
    Column(gettext_lazy("办理期限"), 12, "date"),
    Column(gettext_lazy("状态"), 10),
    Column(gettext_lazy("答复日期"), 12, "date"),
    Column(gettext_lazy("评价"), 10),
    Column(gettext_lazy("重点"), 6),
    Column(gettext_lazy("优秀"), 6),
]


def handling_xlsx(session: CongressSession) -> bytes:
    def rows():
        for motion in selectors.motion_prefetch_for_compilation(session):
            yield [
                motion.number_display,
                motion.title,
                motion.get_category_display(),
                motion.proposer.member.name,
                motion.proposer.group,
                str(motion.lead_department or ""),
                "、".join(d.name for d in motion.co_departments.all()),
                motion.due_on,
                motion.get_status_display(),
                timezone.localdate(motion.replied_at) if motion.replied_at else None,
                motion.get_satisfaction_display(),
                "★" if motion.is_key else "",
                "★" if motion.is_excellent else "",
            ]

    return write_report(
        title=_("%(session)s提案办理情况一览表") % {"session": session.title},
        unit=str(session.org_unit),
        period=_("%(year)s年") % {"year": session.year},
        columns=[Column(str(c.title), c.width, c.kind) for c in HANDLING_COLUMNS],
        rows=rows(),
        sheet_title=_("提案办理情况"),
    )


@dataclass
class Statistics:
    total: int
    by_category: list[tuple[str, int]]
    by_department: list[tuple[str, int, int]]  # department, motions, replied
    by_satisfaction: list[tuple[str, int]]
    key: int
    excellent: int

    def chart_data(self) -> dict[str, Any]:
        return {
            "category": {"labels": [c for c, _n in self.by_category], "values": [n for _c, n in self.by_category]},
            "department": {
                "labels": [d for d, _n, _r in self.by_department],
                "values": [n for _d, n, _r in self.by_department],
                "replied": [r for _d, _n, r in self.by_department],
            },
            "satisfaction": {
                "labels": [s for s, _n in self.by_satisfaction],
                "values": [n for _s, n in self.by_satisfaction],
            },
            "labels": {"motions": _("件提案"), "replied": _("已答复")},
        }


def statistics(session: CongressSession) -> Statistics:
    rows = list(
        Motion.objects.filter(session=session, status__in=workflow.REGISTERED).values_list(
            "category", "lead_department__name", "satisfaction", "replied_at", "is_key", "is_excellent"
        )
    )
    categories = Counter(r[0] for r in rows)
    departments = Counter(r[1] or _("未交办") for r in rows)
    replied = Counter(r[1] or _("未交办") for r in rows if r[3])
    satisfaction = Counter(r[2] for r in rows if r[2])
    return Statistics(
        total=len(rows),
        by_category=[(str(label), categories[value]) for value, label in MotionCategory.choices if categories[value]],
        by_department=[(name, n, replied[name]) for name, n in departments.most_common()],
        by_satisfaction=[(str(label), satisfaction[value]) for value, label in Satisfaction.choices],
        key=sum(1 for r in rows if r[4]),
        excellent=sum(1 for r in rows if r[5]),
    )
