"""Lockout page and the TOTP two-factor screens: overview, enrol, verify, backup codes, disable."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from union_office.audit import audit_record

from .enrolment import enrolment_code_redeem
from .forms import DisableForm, EnrolForm, TokenForm
from .policy import NO_DEVICE, two_factor_required

BACKUP_CODE_COUNT = 10
# The freshly made backup codes, shown once on the next page and then forgotten.
NEW_BACKUP_CODES = "uo_new_backup_codes"
# The secret of the authenticator being bound, until its first code confirms it.
PENDING_KEY = "uo_pending_totp_key"


@login_not_required
def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: too many failed logins for this username at this address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


@login_not_required
def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    """RATELIMIT_VIEW and the login throttle: too many attempts from here, or at this account."""
    return render(request, "registration/rate_limited.html", status=429)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard")


@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    backup_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    context = {
        "totp": totp,
        "backup_left": backup_left,
        "required": two_factor_required(user),
        "disable_form": DisableForm(user),
    }
    return render(request, "registration/two_factor.html", context)


@never_cache
@sensitive_post_parameters("token")
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user):
        return redirect("accounts:two_factor")
    # The secret waits in the session, not in the database: showing the page writes nothing, and
    # reloading it keeps the QR code the phone may have scanned already.
    key = request.session.get(PENDING_KEY) or random_hex(20)
    request.session[PENDING_KEY] = key
    device = TOTPDevice(user=user, key=key, name=_("手机验证器"), confirmed=True)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        expected = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        if not (token.isascii() and token.isdigit() and int(token) == expected):
            form.add_error("token", _("验证码不正确：请核对手机时间是否准确，并输入当前显示的 6 位数字。"))
        elif not enrolment_code_redeem(user=user, code=form.cleaned_data["enrolment_code"]):
            form.add_error(
                "enrolment_code",
                _("启用码不正确或已失效（三天有效，输错五次作废）：请向系统管理员或本单位工会主席索取新的启用码。"),
            )
        else:
            with transaction.atomic():
                device.save()
                request.session.pop(PENDING_KEY, None)
                request.session[NEW_BACKUP_CODES] = _make_backup_codes(user)
                audit_record(actor=user, action="two_factor.enabled", obj=user)
                otp_login(request, device)
            messages.success(request, _("两步验证已启用。以后登录时需输入手机验证器上的验证码。"))
            return redirect(f"{reverse('accounts:two_factor_backup_codes')}?next={_next_url(request)}")
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="l").svg_inline(omitsize=True, svgclass="uo-qr", light="#fff"),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
        "required": two_factor_required(user),
    }
    return render(request, "registration/two_factor_enrol.html", context)


def _make_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("备用码"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(NEW_BACKUP_CODES, None)
    if not codes:
        return redirect(_next_url(request))
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)})


@require_POST
def regenerate_backup_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    with transaction.atomic():
        request.session[NEW_BACKUP_CODES] = _make_backup_codes(request.user)
        audit_record(actor=request.user, action="two_factor.backup_codes_renewed", obj=request.user)
    return redirect(f"{reverse('accounts:two_factor_backup_codes')}?next={reverse('accounts:two_factor')}")


@never_cache
@sensitive_post_parameters("token")
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified() or not user_has_device(user):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Each wrong code doubles the wait before the next is even checked (django-otp throttling).
        if not any(device.verify_is_allowed()[0] for device in devices_for_user(user)):
            form.add_error("token", _("验证码错误次数过多，请稍等片刻再试。"))
        elif (device := match_token(user, form.cleaned_data["token"])) is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            form.add_error("token", _("验证码不正确，请输入手机验证器上当前显示的 6 位数字。"))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@require_POST
@sensitive_post_parameters("password")
def disable(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DisableForm(user, request.POST)
    if not form.is_valid():
        messages.error(request, _("密码不正确，两步验证未停用。"))
        return redirect("accounts:two_factor")
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        audit_record(actor=user, action="two_factor.disabled", obj=user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(NO_DEVICE, None)
    if two_factor_required(user):
        messages.warning(request, _("两步验证已停用。您的角色要求使用两步验证，请重新绑定手机验证器。"))
        return redirect("accounts:two_factor_enrol")
    messages.success(request, _("两步验证已停用。"))
    return redirect("accounts:two_factor")
