"""Logins from the roster: pick members of a unit (or all of them), give an email address to those
who have one (they get an activation link), print the code sheet for the others; the activation page."""

from django import forms
from django.conf import settings
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members import access, logins
from members.models import Member, OrgUnit


class LoginCreateForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("会员"), queryset=Member.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    whole_unit = forms.BooleanField(label=gettext_lazy("为本单位所有尚无账号的在册会员创建"), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates
        self.fields["members"].label_from_instance = lambda m: f"{m.name}（{m.org_unit.name}）"

    def clean(self):
        data = super().clean()
        if not data.get("whole_unit") and not data.get("members"):
            raise forms.ValidationError(_("请勾选会员，或选择为本单位所有会员创建。"))
        # One optional address per member (email-<pk>): the activation link goes there.
        data["emails"] = {}
        for member in self.fields["members"].queryset:
            email = self.data.get(f"email-{member.pk}", "").strip()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                raise forms.ValidationError(
                    _("%(name)s的电子邮箱“%(email)s”格式不对。") % {"name": member.name, "email": email}
                ) from None
            data["emails"][member.pk] = email
        return data


@require_http_methods(["GET", "POST"])
@never_cache  # names, and after the POST the first-time codes
def login_create(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, logins.PERM):
        raise PermissionDenied(_("您的角色没有维护会员花名册的权限。"))
    units = access.units(request.user, logins.PERM)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = access.get_visible_or_404(request.user, logins.PERM, OrgUnit.objects.all(), "", pk=request.GET["unit"])
    candidates = logins.without_login(request.user, unit)
    form = LoginCreateForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        chosen = candidates if form.cleaned_data["whole_unit"] else form.cleaned_data["members"]
        issued = logins.logins_create(
            actor=request.user,
            member_ids=[m.pk for m in chosen],
            emails=form.cleaned_data["emails"],
            base_url=request.build_absolute_uri("/"),
        )
        context = {
            "issued": issued,
            "coded": [login for login in issued if login.code],
            "emailed": [login for login in issued if login.email],
            "days": settings.LOGIN_ACTIVATION_TIMEOUT // (24 * 60 * 60),
            "unit": unit,
            "login_url": request.build_absolute_uri("/login/"),
        }
        return render(request, "members/logins/code_sheet.html", context)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "units": units, "unit": unit, "count": len(form.fields["members"].queryset)}
    return render(request, "members/logins/create.html", context, status=status)


# The activation link's page: Django's set-password page, on our token (its own salt and lifetime).
# It is public (the member has no password yet) and spent once the password is set.
login_activate = PasswordResetConfirmView.as_view(
    token_generator=logins.activation_tokens,
    success_url=reverse_lazy("password_reset_complete"),
    extra_context={"activation": True},
)
