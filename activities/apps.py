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
