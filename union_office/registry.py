"""Navigation entries and dashboard cards, registered by each app in its AppConfig.ready().

The kernel must not import the domain apps (dependencies point one way, DESIGN.md §2), yet the
navigation bar and the 工作台 show all of them. So each app registers what it contributes here,
with a callable deciding whether the current user sees it; the kernel only renders the list.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str  # a Bootstrap Icons name, e.g. "people"
    order: int
    is_visible: Callable[[Any], bool]


@dataclass(frozen=True)
class DashboardCard:
    key: str
    template: str
    order: int
    # Returns the card's context, or None when the card is not for this user.
    get_context: Callable[[HttpRequest], dict[str, Any] | None]


NAV_ITEMS: dict[str, NavItem] = {}
# Audit action code → what a person reads in a history list ("member.update" → 修改会员信息).
AUDIT_ACTION_LABELS: dict[str, Any] = {}
DASHBOARD_CARDS: dict[str, DashboardCard] = {}


def register_nav(item: NavItem) -> None:
    NAV_ITEMS[item.key] = item


def register_audit_actions(labels: dict[str, Any]) -> None:
    AUDIT_ACTION_LABELS.update(labels)


def register_card(card: DashboardCard) -> None:
    DASHBOARD_CARDS[card.key] = card


def nav_for(user: Any) -> list[NavItem]:
    return sorted((i for i in NAV_ITEMS.values() if i.is_visible(user)), key=lambda i: i.order)


def cards_for(request: HttpRequest) -> list[tuple[DashboardCard, dict[str, Any]]]:
    shown = []
    for card in sorted(DASHBOARD_CARDS.values(), key=lambda c: c.order):
        context = card.get_context(request)
        if context is not None:
            shown.append((card, context))
    return shown
