"""django-axes glue: the lockout backend and the client address it counts failures against."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for logins made through a web request.

    authenticate() without a request (the shell, a management command checking a password) is no
    guessing from the network; Axes would raise for it, so it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our own proxies the address they saw.

    Each of the DJANGO_TRUSTED_PROXY_COUNT proxies appends the address it received the request from
    to X-Forwarded-For; the client may have put anything in front, so it is counted from the right.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
