from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        help_text=_("手机验证器上显示的 6 位数字；手机不在身边时可用一个备用码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        # People type "123 456" as the app shows it.
        return "".join(self.cleaned_data["token"].split())


class EnrolForm(TokenForm):
    enrolment_code = forms.CharField(
        label=_("启用码"),
        max_length=20,
        help_text=_("由系统管理员或本单位工会主席发给您的一次性启用码（如 ABCD-EFGH），三天内有效。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    field_order = ["enrolment_code", "token"]


class DisableForm(forms.Form):
    password = forms.CharField(
        label=_("当前密码"), max_length=4096, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("密码不正确。"))
        return password
