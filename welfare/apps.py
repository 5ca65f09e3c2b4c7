from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = _("帮扶救助")

    def ready(self) -> None:
        check_settings()
        from members.modules import Module, register_module
        from union_office.notifications import register_kind
        from union_office.registry import register_audit_actions

        # Reads and exports of hardship details (issue 17, finding 6), for the 审计日志 page.
        register_audit_actions(
            {
                "welfare.aid.read": _("查阅帮扶申请"),
                "welfare.aid.print": _("打印帮扶申请表"),
                "welfare.file.read": _("查阅困难职工档案"),
                "welfare.attachment.read": _("查看申请材料"),
                "welfare.notice.print": _("打印帮扶公示"),
                "welfare.report.export": _("导出帮扶资金发放情况"),
                "welfare.student.read": _("查阅金秋助学申请"),
                "welfare.student.print": _("打印金秋助学申请表"),
                "welfare.campaign.export_applicants": _("导出金秋助学申请人一览表"),
                "welfare.campaign.export_payments": _("导出金秋助学发放名单"),
            }
        )

        register_kind("welfare.hardship_recheck", label=_("困难职工档案复核提醒"))
        register_kind("welfare.notice_ended", label=_("帮扶公示期满提醒"))
        register_kind("welfare.objection", label=_("帮扶公示异议"))
        register_kind("welfare.aid_decided", label=_("帮扶申请结果"))
        register_kind("welfare.aid_turn", label=_("帮扶申请待办"))
        register_kind("welfare.enrolment_proof", label=_("金秋助学在读证明提醒"))
        from .todo import register as register_todo

        register_todo()
        register_module(
            Module(
                app_label="welfare",
                title=_("帮扶"),
                icon="heart",
                order=30,
                view_perm="welfare.apply",
                perms=(
                    "welfare.apply",
                    "welfare.view_aid",
                    "welfare.review_aid",
                    "welfare.decide_aid",
                ),
                description=_(
                    "困难职工档案、帮扶救助申请的初审—入户核实—审定—公示—发放，五必访慰问，以及金秋助学活动。"
                ),
                features=(
                    _("困难职工档案（一户一档）与年度复核提醒"),
                    _("帮扶申请全流程，公示期内可提出异议"),
                    _("慰问标准按单位设定，超标准时明确提示"),
                    _("金秋助学：名额不超、同一学生不重复资助"),
                    _("申请材料仅申请人和审核人可见"),
                ),
            )
        )


def check_settings() -> None:
    """A 公示 of no days, or uploads of no bytes, would make the workflow impossible: stop start-up."""
    if settings.WELFARE_NOTICE_DAYS < 1:
        raise ImproperlyConfigured("WELFARE_NOTICE_DAYS must be at least 1 (days of 公示).")
    if settings.WELFARE_UPLOAD_MAX_BYTES < 1024:
        raise ImproperlyConfigured("WELFARE_UPLOAD_MAX_BYTES must be at least 1024.")
