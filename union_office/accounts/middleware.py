"""Session lifetime and the second factor, enforced on every request (docs/authentication.md)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .policy import LAST_ACTIVITY, LOGIN_AT, NO_DEVICE, two_factor_required

# The last-activity stamp is rewritten at most this often, so browsing does not write the session
# row on every request; the idle timeout is exact to within this many seconds.
ACTIVITY_RESOLUTION = 60

# Views a user who still owes the second factor may reach.
SECOND_FACTOR_VIEWS = {
    "logout",
    "set_language",
    "accounts:two_factor_verify",
    "accounts:two_factor_enrol",
    "accounts:two_factor_backup_codes",
}


def stamp_login(session) -> None:
    """Called when a user logs in: the absolute lifetime and the idle clock start now."""
    now = time.time()
    session[LOGIN_AT] = now
    session[LAST_ACTIVITY] = now


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT without a request, or SESSION_ABSOLUTE_TIMEOUT after login.

    Sits after MessageMiddleware so the Chinese explanation survives the logout (message cookie)
    and before the views, so the request continues as anonymous and LoginRequiredMiddleware sends it
    to the login page with ?next= pointing back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        # Only sessions that belong to a login; avoids loading the user for anonymous requests.
        if session.get(SESSION_KEY) is not None:
            now = time.time()
            login_at = session.get(LOGIN_AT)
            last = session.get(LAST_ACTIVITY)
            if login_at is None or last is None:  # a session older than this middleware
                stamp_login(session)
            elif now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
                self._end(
                    request,
                    _("登录已超过 %(hours)s 小时，为保护数据请重新登录。")
                    % {"hours": _hours(settings.SESSION_ABSOLUTE_TIMEOUT)},
                )
            elif now - last >= settings.SESSION_IDLE_TIMEOUT:
                self._end(
                    request,
                    _("您已 %(minutes)s 分钟未操作，为保护数据已自动退出，请重新登录。")
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60},
                )
            elif now - last >= ACTIVITY_RESOLUTION:
                session[LAST_ACTIVITY] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, message: str) -> None:
        logout(request)
        messages.warning(request, message)


def _hours(seconds: int) -> str:
    hours = seconds / 3600
    return f"{hours:g}"


class TwoFactorMiddleware:
    """Send a logged-in user who owes a second factor to verify (has a device) or enrol (required).

    "This user has no device" is kept in the session (set at login, see signals.py). Whether a
    second factor is required is decided on every request from the user's current grants (the
    policy reads access.grants_for, the query the page's own access checks share), so a role
    granted during a session is enforced at the next request, not the next login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_VIEWS:
            return None
        if not request.session.get(NO_DEVICE):
            if user_has_device(user):
                return redirect_to_login(request.get_full_path(), "accounts:two_factor_verify")
            request.session[NO_DEVICE] = True
        if two_factor_required(user):
            messages.info(request, _("您的角色要求启用两步验证：请先用手机验证器绑定账号。"))
            return redirect_to_login(request.get_full_path(), "accounts:two_factor_enrol")
        return None
