from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("活动与日历")

    def ready(self) -> None:
        from members.modules import Module, register_module

        register_module(
            Module(
                app_label="activities",
                title=_("活动"),
                icon="calendar-event",
                order=40,
                view_perm="activities.view_events",
                perms=(
                    "activities.view_events",
                    "activities.manage_events",
                    "activities.approve_group_plans",
                ),
                description=_(
                    "三八、五一、运动会、疗休养等活动的报名、候补、签到，周期性活动与工会日历，活动前自动提醒。"
                ),
                features=(
                    _("活动报名与候补自动递补"),
                    _("比赛项目与每人限报项数"),
                    _("每周、每月、每季度的周期性活动"),
                    _("工会日历与个人 iCalendar 订阅"),
                    _("活动经费按预算科目记账"),
                ),
            )
        )

        from . import dashboard

        dashboard.register()

        from union_office.notifications import register_kind
        from union_office.registry import register_audit_actions

        register_kind("activities.event_upcoming", label=_("活动开始提醒"), description=_("报名的活动开始前一天提醒"))
        register_kind(
            "activities.event_organiser", label=_("组织活动提醒"), description=_("您组织的活动开始前一天提醒")
        )
        register_kind(
            "activities.waitlist_promoted", label=_("候补递补通知"), description=_("候补的活动有了名额时通知")
        )
        register_kind("activities.event_cancelled", label=_("活动取消通知"), description=_("报名的活动取消时通知"))
        register_kind(
            "activities.occurrence_lead",
            label=_("负责的周期性活动提醒"),
            description=_("您负责的周期性活动前一天和当天早上提醒"),
        )
        register_kind(
            "activities.occurrence_upcoming", label=_("周期性活动提醒"), description=_("参加的周期性活动前一天提醒")
        )
        register_kind(
            "activities.occurrence_digest", label=_("本月活动汇总"), description=_("每月初汇总本月的周期性活动")
        )
        register_kind(
            "activities.occurrence_changed",
            label=_("活动取消/变更通知"),
            description=_("已提醒过的周期性活动取消或改期时通知"),
        )
        register_kind(
            "activities.group_plan_turn",
            label=_("兴趣小组计划待办"),
            description=_("兴趣小组年度计划待您审批，或您的计划有了审批结果时通知您"),
        )
        from .todo import register as register_todo

        register_todo()
        register_audit_actions(
            {
                "activities.event.create": _("新建活动"),
                "activities.event.update": _("修改活动"),
                "activities.event.open": _("开放报名"),
                "activities.event.pause": _("暂停报名"),
                "activities.event.start": _("开始活动"),
                "activities.event.finish": _("结束活动"),
                "activities.event.cancel": _("取消活动"),
                "activities.item.add": _("新增比赛项目"),
                "activities.item.enter": _("报名比赛项目"),
                "activities.item.withdraw": _("退出比赛项目"),
                "activities.result.record": _("登记成绩"),
                "activities.signup.create": _("报名"),
                "activities.signup.waitlist": _("候补报名"),
                "activities.signup.cancel": _("取消报名"),
                "activities.signup.promote": _("候补递补"),
                "activities.signup.check_in": _("签到"),
                "activities.signup.check_in_undo": _("撤销签到"),
                "activities.schedule.create": _("新建周期性活动"),
                "activities.schedule.skip": _("周期性活动停一次"),
                "activities.schedule.unskip": _("恢复周期性活动"),
                "activities.schedule.update": _("修改周期性活动规则"),
                "activities.occurrence.move": _("周期性活动改期"),
                "activities.occurrence.signup": _("周期性活动报名"),
                "activities.occurrence.cancel": _("周期性活动取消报名"),
                "activities.occurrence.check_in": _("周期性活动签到"),
                "activities.group.create": _("新建兴趣小组"),
                "activities.group.join": _("加入兴趣小组"),
                "activities.group.leave": _("退出兴趣小组"),
                "activities.group_plan.create": _("兴趣小组年度计划"),
                "activities.group_plan.update": _("修改兴趣小组年度计划"),
                "activities.group_plan.submit": _("提交兴趣小组计划"),
                "activities.group_plan.approve": _("批准兴趣小组计划"),
                "activities.group_plan.return": _("退回兴趣小组计划"),
                "activities.expense.book": _("活动支出记账"),
                "activities.policy.change": _("修改经费使用规则"),
            }
        )
