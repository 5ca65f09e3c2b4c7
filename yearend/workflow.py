"""The summary's workflow in one table: 草稿 → 审议中 → 定稿, and 审议中 back to 草稿.

Permissions are the plan's (a summary is the plan's year-end counterpart, DESIGN.md §3.1): whoever
drafts the plan drafts the summary, whoever approves the plan makes the summary final.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import SummaryStatus

VIEW = "plans.view_plan"
EDIT = "plans.edit_plan"
APPROVE = "plans.approve_plan"


@dataclass(frozen=True)
class Transition:
    action: str
    source: SummaryStatus
    target: SummaryStatus
    permission: str
    label: str | Promise


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", SummaryStatus.DRAFT, SummaryStatus.REVIEW, EDIT, _("提交审议")),
    Transition("send_back", SummaryStatus.REVIEW, SummaryStatus.DRAFT, APPROVE, _("退回修改")),
    Transition("finalize", SummaryStatus.REVIEW, SummaryStatus.FINAL, APPROVE, _("定稿")),
)

# Only a draft's text changes, and only a draft is re-drafted from the records.
EDITABLE_STATUSES = frozenset({SummaryStatus.DRAFT})


def transition(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def available(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
