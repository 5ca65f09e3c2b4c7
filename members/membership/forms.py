"""Forms of the membership workflow: new member, 入会 application, 转入, and a change request."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access, membership
from ..forms import MemberForm
from ..idcard import parse_id_number
from ..models import EmploymentType, Member, OrgUnit

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoiceField(forms.ModelChoiceField):
    """Units named with their parent: many schools have a 办公室分工会, so the name alone is ambiguous."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("请选择工会"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


def _clean_id_number(value: str) -> str:
    return parse_id_number(value).number


class MemberCreateForm(MemberForm):
    """A committee enters a person who already is a member (在册)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].required = True

    def clean_id_number(self) -> str:
        number = super().clean_id_number()
        # Ahead of Member.clean(), whose duplicate message does not say what to do instead.
        existing = Member.objects.with_id_number(number).select_related("org_unit").first()
        if existing is not None:
            raise ValidationError(membership.duplicate_message(existing, actor=self.user))
        return number

    def _get_validation_exclusions(self) -> set[str]:
        excluded = super()._get_validation_exclusions()
        # Gender and birth date come from the number; without a valid number there is nothing to
        # check them against, and "性别 is blank" would only repeat the number's error as a riddle.
        if "id_number" not in self.cleaned_data:
            excluded |= {"gender", "birth_date"}
        return excluded


class JoinApplyForm(forms.Form):
    org_unit = UnitChoiceField(
        label=_("申请加入的工会"),
        queryset=OrgUnit.objects.filter(kind__in=membership.JOINABLE_UNIT_KINDS).select_related("parent"),
        help_text=_("请选择您所在单位的基层工会，或所在部门、年级的分工会。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, help_text=_("18位，最后一位可为X；出生日期和性别将据此核对。")
    )
    phone = forms.CharField(label=_("手机号"), max_length=20)
    employment_type = forms.ChoiceField(label=_("用工形式"), choices=EmploymentType, initial=EmploymentType.PERMANENT)
    reason = forms.CharField(
        label=_("申请说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )

    def clean_id_number(self) -> str:
        return _clean_id_number(self.cleaned_data["id_number"])

    def member_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ["org_unit", "name", "id_number", "phone", "employment_type"]}


class TransferInForm(forms.Form):
    """转入 from a union outside the installation, found by ID number (new person or former member)."""

    to_unit = UnitChoiceField(label=_("转入的工会"), queryset=OrgUnit.objects.none())
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        help_text=_("已转出或已退会的会员按身份证号找回原档案，不会重复建档。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    employment_type = forms.ChoiceField(label=_("用工形式"), choices=EmploymentType, initial=EmploymentType.PERMANENT)
    external_unit = forms.CharField(label=_("原所在的系统外工会"), max_length=100)
    joined_on = forms.DateField(
        label=_("原入会日期"), required=False, widget=_DATE, help_text=_("留空则以转入生效日期为入会日期。")
    )
    effective_on = forms.DateField(label=_("转入生效日期"), widget=_DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = access.units(user, membership.PERM).select_related("parent")

    def clean_id_number(self) -> str:
        return _clean_id_number(self.cleaned_data["id_number"])

    def member_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in ["name", "id_number", "phone", "employment_type"]}
        if self.cleaned_data.get("joined_on"):
            data["joined_on"] = self.cleaned_data["joined_on"]
        return data


class ChangeRequestForm(forms.Form):
    """The fields one kind of change asks for (membership.TRANSITIONS says which)."""

    to_unit = UnitChoiceField(label=_("转入的工会"), queryset=OrgUnit.objects.none())
    external_unit = forms.CharField(label=_("系统外工会名称"), max_length=100)
    effective_on = forms.DateField(label=_("生效日期"), widget=_DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args: Any, transition: membership.Transition, member: Member, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.transition = transition
        kind = transition.kind
        if transition.asks_to_unit and kind == membership.Kind.TRANSFER:
            # Any union of the installation: the receiving union's committee approves.
            self.fields["to_unit"].queryset = OrgUnit.objects.exclude(pk=member.org_unit_id).select_related("parent")
            self.fields["to_unit"].help_text = _("由转入工会的主席或委员审批。")
        elif transition.asks_to_unit:
            self.fields["to_unit"].queryset = access.units(user, membership.PERM).select_related("parent")
            self.fields["to_unit"].initial = member.org_unit_id
        else:
            del self.fields["to_unit"]
        if transition.asks_external_unit:
            self.fields["external_unit"].label = (
                _("转往的系统外工会") if kind == membership.Kind.TRANSFER_OUT else _("原所在的系统外工会")
            )
        else:
            del self.fields["external_unit"]
        self.fields["reason"].required = transition.needs_reason
        if not transition.needs_reason:
            self.fields["reason"].label = _("说明")
