from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Django 6.1 labels the empty choice of every select "- Select an option -" and its own zh_Hans
# catalogue has no translation for it yet; ours (LOCALE_PATHS come first) says "- 请选择 -".
BLANK_CHOICE_LABEL = _("- Select an option -")


class UnionOfficeConfig(AppConfig):
    name = "union_office"
    verbose_name = _("系统内核")

    def ready(self):
        from .accounts import signals, throttles  # noqa: F401  (connect the login receivers)
        from .registry import DashboardCard, register_card
        from .views import todo_card

        # The 待办 list comes first on every 工作台 (docs/workflow.md).
        register_card(DashboardCard("todo", "union_office/todo_card.html", -20, todo_card))
