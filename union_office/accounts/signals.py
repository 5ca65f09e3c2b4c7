"""Receivers connected in UnionOfficeConfig.ready()."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import user_has_device

from .middleware import stamp_login
from .policy import NO_DEVICE


@receiver(user_logged_in, dispatch_uid="union_office.accounts.on_login")
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    stamp_login(request.session)
    # Asked once per login: the middleware then asks no more whether this user has a device.
    if not user_has_device(user):
        request.session[NO_DEVICE] = True
    else:
        request.session.pop(NO_DEVICE, None)
