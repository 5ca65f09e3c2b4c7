from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnionOfficeConfig(AppConfig):
    name = "union_office"
    verbose_name = _("系统内核")

    def ready(self):
        from .accounts import signals, throttles  # noqa: F401  (connect the login receivers)
