from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import access
from .idcard import parse_id_number
from .models import Department, Member
from .services import EDITABLE_FIELDS


class MemberForm(forms.ModelForm):
    # Not a model field: the number is stored encrypted (Member.id_number is a property).
    id_number = forms.CharField(
        label=_("身份证号"), max_length=30, help_text=_("18位，最后一位可为X；出生日期和性别将据此核对。")
    )
    field_order = EDITABLE_FIELDS

    class Meta:
        model = Member
        fields = [name for name in EDITABLE_FIELDS if name != "id_number"]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Only units where this user may keep the roster, and the departments of those units.
        units = access.units(user, "members.change_member")
        self.fields["org_unit"].queryset = units
        # Departments belong to the 基层工会, usually above a 分工会 clerk's own unit.
        in_reach = Q(pk__in=[])
        for root in access.scope_paths(user, "members.change_member"):
            in_reach |= Q(org_unit__path__startswith=root) | Q(org_unit__path__in=access.ancestor_paths(root))
        if user.is_superuser:
            in_reach = Q()
        # Departments in use, and the member's own even if it has been retired since.
        in_use = Q(archived_at__isnull=True) | Q(pk=self.instance.department_id)
        self.fields["department"].queryset = Department.all_objects.filter(in_reach, in_use)
        self.fields["gender"].required = False
        if self.instance.pk:
            # The full number is shown only through the audited "显示完整号码" (docs/access.md): the
            # edit form starts empty, shows the masked number, and keeps it unless a new one is typed.
            field = self.fields["id_number"]
            field.required = False
            field.widget.attrs["placeholder"] = self.instance.id_number_masked
            field.help_text = _("留空则保留现有号码；更正时填写完整的18位新号码，最后一位可为X。")
        self.fields["birth_date"].required = False

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"]
        if not number and self.instance.pk:
            return ""  # left empty on the edit form: the current number stays
        return parse_id_number(number).number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Before the model's own clean(), which checks the number against gender, birth date and
        # the rest of the roster.
        if cleaned.get("id_number"):
            self.instance.id_number = cleaned["id_number"]
        return cleaned
