from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("经费管理")

    def ready(self) -> None:
        from members.modules import Module, register_module
        from union_office.notifications import register_kind

        register_kind("finance.budget_turn", label=_("经费预算审批"))
        register_kind("finance.opening_balance_turn", label=_("上年结余确认"))
        from .todo import register as register_todo

        register_todo()

        register_module(
            Module(
                app_label="finance",
                title=_("经费"),
                icon="cash-coin",
                order=50,
                view_perm="finance.view_ledger",
                perms=(
                    "finance.view_ledger",
                    "finance.change_ledger",
                    "finance.approve_budget",
                ),
                description=_(
                    "按《工会会计制度》记账：科目、年度预算、记账凭证、月结，以及经费收支表、预算执行情况表等报表导出。"
                ),
                features=(
                    _("收入 401–408、支出 501–508 科目及明细科目"),
                    _("年度预算：上年决算、本年预算、调整、批复"),
                    _("记账凭证按年连续编号，已结账月份只能红字冲销"),
                    _("会费按工资基数 0.5% 按月计算"),
                    _("经费收支表、预算执行情况表、明细账导出 Excel 与 PDF"),
                ),
            )
        )

        from union_office.registry import register_audit_actions

        register_audit_actions(
            {
                "finance.entry.book": _("记账"),
                "finance.report.export_xlsx": _("导出经费报表（Excel）"),
                "finance.report.export_pdf": _("导出经费报表（PDF）"),
                "finance.ledger.export": _("导出记账凭证"),
                "finance.entry.reverse": _("红字冲销"),
                "finance.month.close": _("月度结账"),
                "finance.budget.create": _("新建年度预算"),
                "finance.budget.lines": _("修改预算"),
                "finance.budget.submit": _("提交预算"),
                "finance.budget.send_back": _("退回预算"),
                "finance.budget.approve": _("批复预算"),
                "finance.budget.adjust": _("预算调整"),
                "finance.dues.batch": _("会费计算并记账"),
                "finance.account.change": _("修改会计科目"),
            }
        )
