"""Figures as fields in the chair's text: 【出勤率】 in a paragraph shows the current figure.

A drafted paragraph is written with these fields, not with the numbers themselves, so re-drafting
after a late ledger entry changes what the paragraph says without touching the chair's words. The
chair can use any field of the section anywhere; an unknown 【…】 is left as written.
"""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

FIELD_RE = re.compile(r"【([^【】]{1,20})】")

# Per section key (the plan's sections share "plan"): the field name the chair types → the key
# in the section's figures.
FIELDS: dict[str, dict[str, str]] = {
    "plan": {"条目数": "item_count", "已完成": "done_count", "完成率": "completion"},
    "activities": {
        "活动总数": "event_count",
        "已举办": "held_count",
        "报名人次": "signed",
        "签到人次": "attended",
        "出勤率": "attendance",
        "活动支出": "spent",
        "周期活动场次": "occurrence_count",
        "周期活动报名人次": "occurrence_signed",
        "周期活动签到人次": "occurrence_attended",
        "周期活动出勤率": "occurrence_attendance",
    },
    "welfare": {
        "帮扶人次": "aid_count",
        "帮扶金额": "aid_amount",
        "助学人数": "student_count",
        "助学金额": "student_amount",
        "慰问人次": "visit_count",
        "慰问金额": "visit_amount",
    },
    "congress": {
        "收到提案": "received",
        "立案": "registered",
        "办结": "closed",
        "满意率": "satisfaction",
    },
    "finance": {"全年收入": "income", "全年支出": "expense"},
    "membership": {"在册会员": "active", "新入会": "joined", "转出": "transferred_out", "退休": "retired"},
}

# The paragraph a fresh draft starts with; the chair rewrites it around the fields.
DEFAULT_TEXT = {
    "plan": _("本部分计划条目【条目数】项，已完成【已完成】项，完成率【完成率】%。"),
    "activities": _(
        "全年组织各类职工活动【活动总数】项，已举办【已举办】项；报名【报名人次】人次，签到【签到人次】人次，"
        "出勤率【出勤率】%；活动支出【活动支出】元。周期性活动举办【周期活动场次】场次，签到【周期活动签到人次】人次，"
        "出勤率【周期活动出勤率】%。"
    ),
    "welfare": _(
        "全年发放困难帮扶【帮扶人次】人次、【帮扶金额】元；金秋助学资助学生【助学人数】名、【助学金额】元；"
        "开展慰问【慰问人次】人次、【慰问金额】元。"
    ),
    "congress": _("本年度职代会共收到提案【收到提案】件，立案【立案】件，办结【办结】件，提案人满意率【满意率】%。"),
    "finance": _("全年工会经费收入【全年收入】元，支出【全年支出】元，各项收支与预算执行情况见下表。"),
    "membership": _("截至目前在册会员【在册会员】人，本年新入会【新入会】人，转出【转出】人，退休【退休】人。"),
}


def fields_of(key: str) -> dict[str, str]:
    return FIELDS.get(key.split(":", 1)[0], {})


def default_text(key: str) -> str:
    text = DEFAULT_TEXT.get(key.split(":", 1)[0])
    return str(text) if text else ""


def fill(text: str, key: str, figures: dict[str, Any]) -> str:
    """The text with each known 【field】 replaced by the section's current figure ("—" if none)."""
    fields = fields_of(key)

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in fields:
            return match.group(0)
        figure = figures.get(fields[name])
        return "—" if figure in (None, "") else str(figure)

    return FIELD_RE.sub(value, text)
