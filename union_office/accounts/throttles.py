"""Throttles beyond django-axes' per-(username, address) lockout, counted by django-ratelimit.

- failed logins per client address across usernames (password spraying from one address);
- failed logins per username across addresses (one account guessed from many);
- password reset requests per address and per email address;
- 显示完整身份证号 and exports per user (decorators on those views).

Login failures are counted in a `user_login_failed` receiver, so successful logins of an office
behind one NAT address never use up the allowance; the login view refuses a POST once either
count is over its rate (429, the lockout page). Rates are settings (`THROTTLE_*`, "count/period").
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit

from .backends import client_ip


def client_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or ""


def posted_username(group: str, request: HttpRequest) -> str:
    return (request.POST.get("username") or "").strip().lower()[:150]


def _rate(name: str) -> Callable[[str, HttpRequest], str]:
    # Read at request time, so a deployment (or a test) can change it without an import-time copy.
    return lambda group, request: getattr(settings, name)


LOGIN_COUNTERS = [
    ("login-address", client_address, _rate("THROTTLE_LOGIN_FAILURES_PER_ADDRESS")),
    ("login-username", posted_username, _rate("THROTTLE_LOGIN_FAILURES_PER_USERNAME")),
]


def login_throttled(request: HttpRequest) -> bool:
    """True once this address or this username has used up its allowance of failures."""
    for group, key, rate in LOGIN_COUNTERS:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST")
        if usage is not None and usage["count"] >= usage["limit"]:
            return True
    return False


@receiver(user_login_failed, dispatch_uid="union_office.accounts.throttles.count_failure")
def count_failure(sender, credentials, request=None, **kwargs):
    if request is not None and request.method == "POST":
        for group, key, rate in LOGIN_COUNTERS:
            is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def throttle_login(view):
    """Refuse a login POST (429) once this address or this username has failed too often."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if request.method == "POST" and login_throttled(request):
            from .views import rate_limited

            return rate_limited(request, None)
        return view(request, *args, **kwargs)

    return wrapped


def throttle_password_reset(view):
    """Reset emails: per address and per email address asked for (POST only)."""
    view = ratelimit(group="reset-email", key="post:email", rate=_rate("THROTTLE_PASSWORD_RESET"), method="POST")(view)
    return ratelimit(group="reset-address", key=client_address, rate=_rate("THROTTLE_PASSWORD_RESET"), method="POST")(
        view
    )


def throttle_per_user(setting: str, group: str):
    """Per logged-in user, on every method: the full-number reveal, the exports."""
    return ratelimit(group=group, key="user", rate=_rate(setting))
