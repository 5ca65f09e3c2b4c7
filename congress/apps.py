from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CongressConfig(AppConfig):
    name = "congress"
    verbose_name = _("职代会与提案")

    def ready(self) -> None:
        from members.modules import Module, register_module

        from . import dashboard

        dashboard.register()
        from union_office.notifications import register_kind

        register_kind(
            "congress.reply_due",
            label=_("提案催办"),
            description=_("交办给本部门的提案到期前和逾期后提醒答复"),
        )
        register_kind("congress.cosign_invited", label=_("附议邀请"), description=_("职工代表邀请您附议提案时通知您"))
        register_kind("congress.motion_assigned", label=_("提案交办"), description=_("提案交办给本部门时通知承办人"))
        register_kind(
            "congress.motion_decided", label=_("我的提案进展"), description=_("您的提案或意见建议有进展时通知您")
        )
        register_kind("congress.motion_replied", label=_("提案已答复"), description=_("您的提案得到答复时通知您评价"))
        register_kind("congress.motion_turn", label=_("提案待办"), description=_("提案轮到您审查、办结时通知您"))
        from .todo import register as register_todo

        register_todo()

        register_module(
            Module(
                app_label="congress",
                title=_("提案"),
                icon="megaphone",
                order=20,
                view_perm="congress.view_motions",
                perms=(
                    "congress.view_motions",
                    "congress.submit_motion",
                    "congress.review_motions",
                    "congress.reply_motions",
                ),
                description=_(
                    "职工代表大会（教代会）的届次、代表、意见建议和提案：网上附议、审查立案、交办答复、满意度评价和表决。"
                ),
                features=(
                    _("网上提交提案，代表在线附议"),
                    _("审查立案、合并、交办承办部门"),
                    _("到期自动催办，提案人评价答复"),
                    _("代表表决与民主评议，统计法定人数"),
                    _("提案汇编 PDF 与办理情况一览表 Excel"),
                ),
            )
        )
