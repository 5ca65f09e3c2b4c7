"""The 工作台 card of the congress app: what waits for this user — co-signing, rating a reply,
replying for a department, reviewing submitted motions. Shown only when something waits."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import access

from .models import CongressSession, Motion, MotionStatus
from .services.common import REVIEW, handler_department_ids

MAX_ROWS = 5


def congress_card(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    today = timezone.localdate()
    to_cosign = list(
        Motion.objects.filter(
            status=MotionStatus.COLLECTING,
            cosigners__delegate__member__user=user,
            cosigners__confirmed_at__isnull=True,
        ).select_related("proposer__member")[:MAX_ROWS]
    )
    to_rate = list(
        Motion.objects.filter(status=MotionStatus.REPLIED, proposer__member__user=user).select_related("session")[
            :MAX_ROWS
        ]
    )
    departments = handler_department_ids(user)
    handling = None
    if departments:
        handling = Motion.objects.filter(
            Q(lead_department__in=departments) | Q(co_departments__in=departments), status=MotionStatus.ASSIGNED
        ).aggregate(open=Count("pk", distinct=True), overdue=Count("pk", filter=Q(due_on__lt=today), distinct=True))
    to_review = []
    if access.has_anywhere(user, REVIEW):
        to_review = list(
            access.visible(user, REVIEW, CongressSession.objects.all())
            .annotate(
                waiting=Count("motions", filter=Q(motions__status__in=[MotionStatus.SUBMITTED, MotionStatus.REVIEWING]))
            )
            .filter(waiting__gt=0)
            .select_related("org_unit")[:MAX_ROWS]
        )
    if not (to_cosign or to_rate or (handling and handling["open"]) or to_review):
        return None
    return {"to_cosign": to_cosign, "to_rate": to_rate, "handling": handling, "to_review": to_review}


def register() -> None:
    from union_office.registry import DashboardCard, register_audit_actions, register_card

    register_audit_actions(
        {
            "congress.session_create": _("建立职代会届次"),
            "congress.session_update": _("修改职代会届次"),
            "congress.delegates_import": _("导入职工代表"),
            "congress.suggestion_create": _("提出意见建议"),
            "congress.suggestion_answer": _("答复意见建议"),
            "congress.suggestion_adopt": _("意见建议转为提案"),
            "congress.motion_create": _("起草提案"),
            "congress.motion_update": _("修改提案"),
            "congress.cosigners_invite": _("邀请附议"),
            "congress.motion.cosign": _("确认附议"),
            "congress.cosign_decline": _("谢绝附议"),
            "congress.motion.collect": _("提案征集附议"),
            "congress.motion.recall": _("撤回提案修改"),
            "congress.motion.submit": _("提交提案"),
            "congress.motion.review": _("开始审查提案"),
            "congress.motion.register": _("提案立案"),
            "congress.motion.reject": _("提案不予立案"),
            "congress.motion.merge": _("合并提案"),
            "congress.motion_merged_in": _("并入提案"),
            "congress.motion.assign": _("交办提案"),
            "congress.motion.reply": _("答复提案"),
            "congress.motion_reply": _("会办意见"),
            "congress.motion.rate": _("评价提案答复"),
            "congress.motion.reopen": _("提案不满意，再次办理"),
            "congress.motion.close": _("提案办结"),
            "congress.motion_flags": _("标记重点/优秀提案"),
            "congress.ballot_create": _("建立表决"),
            "congress.ballot_open": _("开始投票"),
            "congress.ballot_close": _("结束投票"),
        }
    )
    register_card(DashboardCard("congress", "congress/dashboard_card.html", 25, congress_card))
