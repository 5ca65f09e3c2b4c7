from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("工作计划")

    def ready(self) -> None:
        from members.modules import Module, register_module
        from union_office.notifications import register_kind

        register_kind("plans.plan_turn", label=_("工作计划审批"))
        from .todo import register as register_todo

        register_todo()

        register_module(
            Module(
                app_label="plans",
                title=_("工作计划"),
                icon="journal-text",
                order=15,
                view_perm="plans.view_plan",
                perms=(
                    "plans.view_plan",
                    "plans.edit_plan",
                    "plans.approve_plan",
                ),
                description=_(
                    "年度工会工作计划：在浏览器中起草章节与条目（目标、措施、时限、责任人），逐月活动安排，审批、执行进度与年终总结。"
                ),
                features=(
                    _("从去年的计划开始，或粘贴 Word 文本自动解析"),
                    _("拖动排序，编号自动更新"),
                    _("草稿—审议中—已批准—执行中—已归档"),
                    _("版本对比"),
                    _("导出正式格式的 PDF 与 Word"),
                ),
            )
        )

        from . import dashboard

        dashboard.register()

        from activities.calendar import register_source
        from activities.sources import register_source_label

        from . import calendar, events, reminders

        register_source_label(events.SOURCE_PREFIX, events.describe_source)
        register_source_label(events.ITEM_SOURCE, events.describe_item_source)
        register_source(calendar.deadline_items)
        reminders.register()
