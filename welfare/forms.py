from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from union_office.history import reason_field
from union_office.integers import parse_int
from union_office.limits import LONG_TEXT, limit_text

from . import uploads
from .models import AidKind, AidState, FamilyMember, HardshipCause, HardshipLevel, VisitKind, causes_of

# The form's own amounts stop at 12 digits (max_digits=12); the column holds 14.
MAX_MONTHLY_INCOME = Decimal("1e10")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files in one input, each checked (type by content, size)."""

    widget = MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > uploads.MAX_FILES_PER_UPLOAD:
            raise ValidationError(_("一次最多上传 %(n)d 个文件。") % {"n": uploads.MAX_FILES_PER_UPLOAD})
        result = [single(f, initial) for f in files]
        if self.required and not result:
            raise ValidationError(self.error_messages["required"], code="required")
        for f in result:
            uploads.check_upload(f)
        return result


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class MemberByIdForm(StyledForm):
    """The committee enters for a member of its unit: found by 身份证号 (names repeat)."""

    id_number = forms.CharField(label=_("申请人身份证号"), max_length=18, required=False)

    def find_member(self, units) -> Member | None:
        number = (self.cleaned_data.get("id_number") or "").strip().upper()
        if not number:
            return None
        member = Member.objects.with_id_number(number).filter(org_unit__in=units).first()
        if member is None:
            self.add_error("id_number", _("在您负责的单位里没有找到这个身份证号的会员。"))
        return member


class AidForm(MemberByIdForm):
    kind = forms.ChoiceField(label=_("救助类型"), choices=AidKind.choices)
    amount_requested = forms.DecimalField(label=_("申请金额（元）"), max_digits=12, decimal_places=2, min_value=1)
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    documents = DocumentsField(label=_("证明材料（PDF、JPG、PNG）"), required=False)
    submit_now = forms.BooleanField(label=_("直接提交（不存草稿）"), required=False, initial=True)

    field_order = ["id_number", "kind", "amount_requested", "reason", "documents", "submit_now"]

    def __init__(self, *args: Any, entering_for_others: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not entering_for_others:
            del self.fields["id_number"]
        else:
            self.fields["id_number"].help_text = _("为他人代录时填写；为自己申请请留空。")


class UploadForm(StyledForm):
    label = forms.CharField(label=_("材料名称"), max_length=60, required=False)
    documents = DocumentsField(label=_("文件（PDF、JPG、PNG）"))


class ActForm(StyledForm):
    comment = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    visited_on = forms.DateField(label=_("入户日期"), required=False, widget=_date_widget())
    visitors = forms.CharField(label=_("核实人员"), required=False, max_length=200)
    findings = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    amount_granted = forms.DecimalField(label=_("审定金额（元）"), required=False, max_digits=12, decimal_places=2)


class ObjectionForm(StyledForm):
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ResolveForm(StyledForm):
    resolution = forms.CharField(label=_("核查和处理意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AidFilter(StyledForm):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *AidState.choices], required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *AidKind.choices], required=False)
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)
    paid_year = forms.IntegerField(label=_("发放年度"), required=False, min_value=1949, max_value=2200)
    # The 工会统计年报's 帮扶 figures link here with their unit (its subtree; already scoped).
    unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class StudentFilter(StyledForm):
    """The 金秋 applications across campaigns: what the 工会统计年报's 金秋 figures count."""

    year = forms.IntegerField(label=_("年度"), required=False, min_value=1949, max_value=2200)
    granted = forms.BooleanField(label=_("仅已获资助"), required=False)
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)
    unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class FileForm(MemberByIdForm):
    level = forms.ChoiceField(label=_("困难类别"), choices=HardshipLevel.choices)
    causes = forms.MultipleChoiceField(
        label=_("致困原因"), choices=HardshipCause.choices, widget=forms.CheckboxSelectMultiple
    )
    monthly_income = forms.DecimalField(label=_("家庭月总收入（元）"), min_value=0, max_digits=12, decimal_places=2)
    situation = forms.CharField(label=_("家庭情况说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    family = forms.CharField(
        label=_("家庭成员"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "王芳，妻子，1982，无业，0，慢性病"}),
        required=False,
        help_text=_("每行一人：姓名，关系，出生年份，职业/就学，月收入，健康状况"),
    )
    documents = DocumentsField(label=_("证明材料"), required=False)

    def clean_family(self) -> list[dict[str, Any]]:
        people = []
        for number, line in enumerate((self.cleaned_data.get("family") or "").splitlines(), start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            parts += [""] * (6 - len(parts))
            name, relation, year, occupation, income, health = parts[:6]
            if not name or not relation:
                raise ValidationError(_("第 %(n)d 行：请至少写姓名和关系。") % {"n": number})
            if year and parse_int(year, minimum=1900, maximum=timezone.localdate().year) is None:
                raise ValidationError(_("第 %(n)d 行：出生年份“%(y)s”不对。") % {"n": number, "y": year})
            # Longer than its column, a part would be a DataError on PostgreSQL instead of a message.
            columns = {"name": name, "relation": relation, "occupation": occupation, "health": health}
            for column, part in columns.items():
                limit = FamilyMember._meta.get_field(column).max_length
                if len(part) > limit:
                    raise ValidationError(
                        _("第 %(n)d 行：“%(v)s…”太长，每项最多 %(limit)d 个字。")
                        % {"n": number, "v": part[:10], "limit": limit}
                    )
            try:
                income_value = Decimal(income) if income else Decimal(0)
            except InvalidOperation:
                income_value = Decimal("NaN")
            if not income_value.is_finite():  # "nan" and "inf" are numbers to Decimal, not to a family
                raise ValidationError(_("第 %(n)d 行：月收入“%(v)s”不是数字。") % {"n": number, "v": income[:20]})
            if income_value < 0:
                raise ValidationError(_("第 %(n)d 行：月收入不能为负数。") % {"n": number})
            if income_value >= MAX_MONTHLY_INCOME:
                raise ValidationError(_("第 %(n)d 行：月收入“%(v)s”过大。") % {"n": number, "v": income[:20]})
            people.append(
                {
                    "name": name,
                    "relation": relation,
                    "birth_year": int(year) if year else None,
                    "occupation": occupation,
                    "monthly_income": income or "0",
                    "health": health,
                }
            )
        return people


class ReviewForm(StyledForm):
    note = forms.CharField(label=_("复核情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CloseForm(StyledForm):
    reason = forms.CharField(label=_("撤档原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class VisitForm(MemberByIdForm):
    kind = forms.ChoiceField(label=_("慰问类型"), choices=VisitKind.choices)
    # Grouped by kind; "同一事由每年一次" compares the category, not the text below it.
    cause_category = forms.ChoiceField(
        label=_("事由类别"),
        choices=lambda: [(kind.label, [(c.value, c.label) for c in causes_of(kind)]) for kind in VisitKind],
        help_text=_("同一事由每年只慰问一次的标准按类别计算"),
    )
    cause = forms.CharField(label=_("事由"), max_length=60, help_text=_("如病名、节日名称"))
    visited_on = forms.DateField(label=_("慰问日期"), widget=_date_widget())
    amount = forms.DecimalField(label=_("金额/慰问品价值（元）"), min_value=0, max_digits=12, decimal_places=2)
    is_cash = forms.BooleanField(label=_("发放现金"), required=False)
    gift = forms.CharField(label=_("慰问品"), max_length=100, required=False)
    visitors = forms.CharField(label=_("慰问人"), max_length=200)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = True
        self.fields["id_number"].label = _("慰问对象身份证号")


class VisitRuleForm(StyledForm):
    """The chair's 慰问标准 for one kind at one unit (the unit comes from the page)."""

    kind = forms.ChoiceField(label=_("慰问类型"), choices=VisitKind.choices)
    max_per_visit = forms.DecimalField(
        label=_("每次最高（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("留空：不限"),
    )
    max_per_year = forms.DecimalField(
        label=_("每人每年最高（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("留空：不限"),
    )
    once_per_cause_per_year = forms.BooleanField(label=_("同一事由每年一次"), required=False)
    cash_allowed = forms.BooleanField(label=_("可发现金"), required=False)
    reason = reason_field()


# Free text has a limit (issue 17).
limit_text(ActForm, findings=LONG_TEXT)
limit_text(FileForm, family=LONG_TEXT, situation=LONG_TEXT)
limit_text(VisitForm, note=LONG_TEXT)
