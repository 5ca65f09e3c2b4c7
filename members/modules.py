"""How an app joins the navigation bar and the 工作台, with access decided by the one policy.

Apps call `register_module(...)` in their AppConfig.ready(): the module gets a nav entry to its
index page and a 工作台 card that lists what this user may do there, at which units.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

from union_office.registry import DashboardCard, NavItem, register_card, register_nav

from . import access

MODULES: dict[str, "Module"] = {}


@dataclass(frozen=True)
class Module:
    app_label: str
    title: str | Promise
    icon: str
    order: int
    view_perm: str  # who sees the module at all
    perms: tuple[str, ...]  # what the module lets people do; listed per user on its pages
    description: str | Promise
    features: tuple[str | Promise, ...] = ()
    url_name: str = ""

    def is_visible(self, user: Any) -> bool:
        return access.has_anywhere(user, self.view_perm)

    def abilities(self, user: Any) -> list[tuple[str | Promise, list[str]]]:
        """[(permission label, [unit names])] for the permissions of this module the user holds."""
        result = []
        for code in self.perms:
            roots = access.scope_paths(user, code)
            if roots:
                names = list(access.units(user, code).filter(path__in=roots).values_list("name", flat=True))
                result.append((access.PERMISSIONS[code].label, names))
        return result


def register_module(module: Module) -> None:
    MODULES[module.app_label] = module
    register_nav(
        NavItem(
            key=module.app_label,
            label=module.title,
            url_name=module.url_name or f"{module.app_label}:index",
            icon=module.icon,
            order=module.order,
            is_visible=module.is_visible,
        )
    )

    def card_context(request: HttpRequest) -> dict[str, Any] | None:
        abilities = module.abilities(request.user)
        # A card only for those who can *do* something here beyond reading.
        if not any(code != module.view_perm for code in module.perms if access.has_anywhere(request.user, code)):
            return None
        return {"module": module, "abilities": abilities}

    register_card(
        DashboardCard(
            key=f"module:{module.app_label}",
            template="members/dashboard/module_card.html",
            order=100 + module.order,
            get_context=card_context,
        )
    )
