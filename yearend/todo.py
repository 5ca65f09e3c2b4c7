"""Summaries on the 工作台's 待办 list (union_office/todo.py): those waiting for 定稿."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members import access
from union_office.todo import TodoSource, register_todo

from .models import Summary, SummaryStatus
from .workflow import APPROVE


def summary_candidates(user: Any) -> QuerySet[Summary]:
    waiting = Summary.objects.filter(status=SummaryStatus.REVIEW)
    return access.visible(user, APPROVE, waiting).select_related("org_unit").order_by("updated_at", "pk")


def register() -> None:
    from .services import SUMMARY

    register_todo(TodoSource("yearend.summary", SUMMARY, summary_candidates, str, _("年度总结")))
