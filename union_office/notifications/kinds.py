"""The reminder kinds, registered by each app in its AppConfig.ready() (a plain dict registry).

A kind is what a user sees on the 待提醒 page and may mute ("活动开始提醒"); registering it also
catches a typo in a `reminder_schedule(kind=…)` call at once instead of a reminder nobody can mute.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReminderKind:
    key: str
    label: Any  # a lazy translation
    description: Any = ""
    # False for notices a user must not switch off (none yet; the kernel's own notice is mutable).
    mutable: bool = True


REMINDER_KINDS: dict[str, ReminderKind] = {}


def register_kind(key: str, *, label: Any, description: Any = "", mutable: bool = True) -> ReminderKind:
    if not key or len(key) > 64:
        raise ValueError(f"a reminder kind needs a key of 1–64 characters, not {key!r}")
    kind = ReminderKind(key=key, label=label, description=description, mutable=mutable)
    REMINDER_KINDS[key] = kind
    return kind


def kind_label(key: str) -> str:
    kind = REMINDER_KINDS.get(key)
    return str(kind.label) if kind else key


def check_kind(key: str) -> ReminderKind:
    try:
        return REMINDER_KINDS[key]
    except KeyError:
        raise ValueError(f"unknown reminder kind {key!r}: register it with register_kind() first") from None


# The kernel's own kind, for notices that belong to no app.
register_kind("union_office.notice", label=_("系统通知"))
