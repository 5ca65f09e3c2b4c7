from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YearendConfig(AppConfig):
    name = "yearend"
    verbose_name = _("年终总结与统计")

    def ready(self) -> None:
        from union_office.notifications import register_kind

        register_kind("yearend.reminder", label=_("年度计划与总结催报"))
        register_kind(
            "yearend.summary_turn", label=_("年度总结待办"), description=_("年度总结轮到您审议或被退回时通知您")
        )
        from .todo import register as register_todo

        register_todo()

        from members import access
        from union_office.registry import NavItem, register_nav

        from .workflow import EDIT

        register_nav(
            NavItem(
                key="yearend",
                label=_("年终总结"),
                url_name="yearend:index",
                icon="clipboard-data",
                order=16,
                is_visible=lambda user: access.has_anywhere(user, EDIT),
            )
        )
