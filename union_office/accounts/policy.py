"""Who must use two-factor authentication; the session markers of this package."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

# Session keys (timestamps as seconds since the epoch).
LOGIN_AT = "uo_login_at"
LAST_ACTIVITY = "uo_last_activity"
# Set once a request found that this user has no authenticator. Whether one is *required* is asked
# on every request, from the user's grants of that moment (a role granted mid-session counts at once).
NO_DEVICE = "uo_no_device"


@cache
def _policy(path: str):
    return import_string(path)


def two_factor_required(user) -> bool:
    """True when the settings require this user to use a second factor."""
    if not settings.TWO_FACTOR_REQUIRED or not settings.TWO_FACTOR_POLICY:
        return False
    return bool(_policy(settings.TWO_FACTOR_POLICY)(user))
