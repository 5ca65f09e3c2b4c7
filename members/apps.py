from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("会员管理")

    def ready(self) -> None:
        from union_office.notifications import register_kind
        from union_office.registry import DashboardCard, NavItem, register_audit_actions, register_card, register_nav

        from . import access, dashboard, membership

        register_nav(
            NavItem(
                key="members",
                label=_("会员"),
                url_name="members:member_list",
                icon="people",
                order=10,
                is_visible=lambda user: access.has_anywhere(user, "members.view_member"),
            )
        )
        register_nav(
            NavItem(
                key="organisation",
                label=_("组织"),
                url_name="members:organisation",
                icon="diagram-3",
                order=60,
                is_visible=lambda user: access.has_anywhere(user, "members.manage_roles"),
            )
        )
        register_nav(
            NavItem(
                key="audit_log",
                label=_("审计日志"),
                url_name="members:audit_log",
                icon="journal-check",
                order=70,
                is_visible=lambda user: access.has_anywhere(user, "audit.view_log"),
            )
        )
        register_audit_actions(
            {
                "member.update": _("修改会员信息"),
                "member.reveal_id_number": _("查看完整身份证号"),
                "member.export_full_id_numbers": _("导出含完整身份证号的花名册"),
                "member.export_roster": _("导出花名册（身份证号隐去）"),
                "member.export_roster_pdf": _("打印单位花名册"),
                "member.read": _("查阅会员完整信息"),
                "audit.export": _("导出审计日志"),
                "member.import": _("导入花名册"),
                "member.retention_cleanup": _("按保留期限删除花名册导出和导入文件"),
                "orgunit.add": _("新增组织单位"),
                "orgunit.rename": _("组织单位改名"),
                "orgunit.move": _("调整组织单位的上级"),
                "orgunit.merge": _("合并组织单位"),
                "rolegrant.grant": _("授予角色"),
                "rolegrant.revoke": _("撤销角色"),
                "department.add": _("新增部门"),
                "department.rename": _("部门改名"),
                "department.retire": _("撤销部门"),
                "department.restore": _("恢复部门"),
                "members.contact.submit": _("提交联系方式更正"),
                "members.contact.approve": _("同意联系方式更正"),
                "members.contact.reject": _("不予更正联系方式"),
            }
        )
        register_kind("members.role_changed", label=_("角色授予与撤销"))
        register_kind("members.contact_turn", label=_("联系方式更正"))
        register_card(DashboardCard("my_account", "members/dashboard/my_account.html", 0, dashboard.my_account_card))
        register_card(
            DashboardCard("roster_overview", "members/dashboard/roster.html", 10, dashboard.roster_overview_card)
        )
        membership.register()
        from union_office.todo import TodoSource, register_todo

        from .contact import CONTACT, corrections_to_review

        register_todo(TodoSource("members.contact", CONTACT, corrections_to_review, str, _("联系方式更正")))
