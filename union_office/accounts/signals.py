"""Receivers connected in UnionOfficeConfig.ready()."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import user_has_device

from .middleware import stamp_login
from .policy import NO_SECOND_FACTOR, two_factor_required


@receiver(user_logged_in, dispatch_uid="union_office.accounts.on_login")
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    stamp_login(request.session)
    # Decided once per login: the middleware then costs nothing for users without a second factor.
    if not user_has_device(user) and not two_factor_required(user):
        request.session[NO_SECOND_FACTOR] = True
    else:
        request.session.pop(NO_SECOND_FACTOR, None)
