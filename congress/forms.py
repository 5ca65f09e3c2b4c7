"""Forms of the congress screens; the rules of each write live in congress/services/."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members.models import Department, OrgUnit
from union_office.limits import LONG_TEXT, NOTE_TEXT, limit_text
from union_office.office_package import check_office_package

from .models import BallotKind, CongressSession, Delegate, Motion, MotionCategory, RejectionReason, Satisfaction
from .services.sessions import SESSION_FIELDS

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Extension -> the file's first bytes: a renamed .exe is refused, not stored.
ATTACHMENT_MAGIC = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
}
PACKAGE_KINDS = {"docx": "Word（.docx）", "xlsx": "Excel（.xlsx）"}
# A .docx of 10 MB is mostly pictures, stored as they are: a tenfold margin.
MAX_ATTACHMENT_UNZIPPED_BYTES = 100 * 1024 * 1024


def validate_attachment(upload: Any) -> None:
    if not upload:
        return
    suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in ATTACHMENT_MAGIC:
        raise ValidationError(_("附件只能是 PDF、Word、Excel 或 JPG/PNG 图片。"))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("附件不能超过 10 MB。"))
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_MAGIC[suffix]):
        raise ValidationError(_("附件内容与扩展名 .%(suffix)s 不符，请上传原始文件。") % {"suffix": suffix})
    if suffix in PACKAGE_KINDS:
        # Stored, not read here, but a colleague opens it: no zip bomb, no DTD, no damaged file.
        check_office_package(
            upload, max_unzipped_bytes=MAX_ATTACHMENT_UNZIPPED_BYTES, kind=PACKAGE_KINDS[suffix], verify=True
        )


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class YearUnitFilter(forms.Form):
    """A year and a unit (its subtree): the 工会统计年报's congress figures link to the sessions and
    motions they count. Within what the user already reads: another union's number narrows to
    nothing; a value that is not a number is ignored."""

    year = forms.IntegerField(required=False, min_value=1949, max_value=2200)
    unit = forms.IntegerField(required=False, min_value=1)

    def narrow(self, queryset: QuerySet, session: str = "") -> QuerySet:
        """`session`: the path to the session from the queryset's rows ("" for sessions)."""
        if not self.is_valid():
            return queryset
        prefix = f"{session}__" if session else ""
        if year := self.cleaned_data["year"]:
            queryset = queryset.filter(**{f"{prefix}year": year})
        if unit_id := self.cleaned_data["unit"]:
            unit = OrgUnit.objects.filter(pk=unit_id).first()
            if unit is None:
                return queryset.none()
            queryset = queryset.filter(**{f"{prefix}org_unit__path__startswith": unit.path})
        return queryset


class SessionForm(forms.ModelForm):
    class Meta:
        model = CongressSession
        fields = list(SESSION_FIELDS)
        widgets = {
            name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for name in ("meeting_date", "motions_open_on", "motions_close_on", "reply_due_on")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("motions_open_on"), data.get("motions_close_on")
        if start and end and end < start:
            self.add_error("motions_close_on", _("征集截止日期不能早于开始日期。"))
        reply = data.get("reply_due_on")
        if reply and end and reply < end:
            self.add_error("reply_due_on", _("答复期限应在征集截止之后。"))
        return data

    def validate_unique(self) -> None:
        # The org unit is set by the view; the service checks the (unit, 届, 次) uniqueness.
        pass


class DelegateImportForm(StyledForm):
    text = forms.CharField(
        label=_("代表名单"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "吴雪 第二代表团 一线职工\nM0012 第一代表团 管理人员"}),
        help_text=_("每行一名：会员编号或姓名、代表团、类别（一线职工/专业技术人员/管理人员/领导干部，可省略）。"),
    )


class SuggestionForm(StyledForm):
    title = forms.CharField(label=_("标题"), max_length=120)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 6}))


class SuggestionAnswerForm(StyledForm):
    answer = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}))


class AdoptForm(StyledForm):
    category = forms.ChoiceField(label=_("提案类别"), choices=MotionCategory.choices)


class MotionForm(forms.ModelForm):
    attachment = forms.FileField(label=_("附件"), required=False, validators=[validate_attachment])

    class Meta:
        model = Motion
        fields = ["title", "category", "reason", "proposal"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 5}),
            "proposal": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "reason": _("存在的问题和提出提案的理由。"),
            "proposal": _("具体、可行的解决办法。"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposal"].required = True
        _style(self)


class InviteForm(StyledForm):
    delegates = forms.ModelMultipleChoiceField(
        label=_("邀请附议代表"), queryset=Delegate.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args: Any, motion: Motion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = motion.cosigners.values("delegate_id")
        self.fields["delegates"].queryset = (
            Delegate.objects.filter(session=motion.session_id)
            .exclude(pk=motion.proposer_id)
            .exclude(pk__in=invited)
            .select_related("member")
            .order_by("group", "member__name")
        )
        self.fields["delegates"].label_from_instance = lambda d: f"{d.member.name}（{d.group}）"


class RejectForm(StyledForm):
    reason = forms.ChoiceField(label=_("不予立案理由"), choices=RejectionReason.choices)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("说明（理由为“其他”时必填）")}),
    )


class MergeForm(StyledForm):
    into = forms.ModelChoiceField(
        label=_("并入提案"), queryset=Motion.objects.none(), empty_label=_("请选择要并入的提案")
    )

    def __init__(self, *args: Any, motion: Motion, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = candidates
        self.fields["into"].label_from_instance = lambda m: f"{m.number_display or '#' + str(m.pk)} {m.title}"


class AssignForm(StyledForm):
    lead_department = forms.ModelChoiceField(label=_("主办部门"), queryset=Department.objects.none())
    co_departments = forms.ModelMultipleChoiceField(
        label=_("会办部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    due_on = forms.DateField(label=_("办理期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, motion: Motion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(org_unit__path__startswith=motion.session.org_unit.path).order_by(
            "name"
        )
        self.fields["lead_department"].queryset = departments
        self.fields["co_departments"].queryset = departments
        self.fields["due_on"].initial = motion.session.reply_due_on


class ReplyForm(StyledForm):
    department = forms.ModelChoiceField(label=_("答复部门"), queryset=Department.objects.none())
    text = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 6}))
    attachment = forms.FileField(label=_("附件"), required=False, validators=[validate_attachment])

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.all_objects.filter(pk__in=[d.pk for d in departments])
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk


class RateForm(StyledForm):
    rating = forms.ChoiceField(
        label=_("评价"), choices=Satisfaction.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FlagsForm(StyledForm):
    is_key = forms.BooleanField(label=_("重点提案"), required=False)
    is_excellent = forms.BooleanField(label=_("优秀提案"), required=False)


class BallotForm(StyledForm):
    title = forms.CharField(label=_("表决事项"), max_length=150)
    kind = forms.ChoiceField(label=_("类型"), choices=BallotKind.choices)
    motion = forms.ModelChoiceField(
        label=_("表决的提案"),
        queryset=Motion.objects.none(),
        required=False,
        empty_label=_("（不针对某件提案）"),
        help_text=_("提交大会表决的提案，可留空。"),
    )
    secret = forms.BooleanField(label=_("无记名投票"), required=False, initial=True)
    items = forms.CharField(
        label=_("被评议人或分项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("民主评议每行一名被评议人；表决可留空（整体表决）。"),
    )

    def __init__(self, *args: Any, session: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .workflow import REGISTERED

        self.fields["motion"].queryset = Motion.objects.filter(session=session, status__in=REGISTERED).select_related(
            "session"
        )
        self.fields["motion"].label_from_instance = lambda m: f"{m.number_display} {m.title}"


class VoteForm(forms.Form):
    def __init__(self, *args: Any, ballot: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(c.value, c.label) for c in ballot.choices]
        for item in ballot.items.all():
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.label, choices=choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
            )

    def choices(self) -> dict[int, str]:
        return {int(name.removeprefix("item_")): value for name, value in self.cleaned_data.items()}


# Free text has a limit (issue 17): the limits of the fields declared above live here, in one place.
limit_text(SuggestionForm, content=LONG_TEXT)
limit_text(SuggestionAnswerForm, answer=LONG_TEXT)
limit_text(MotionForm, reason=LONG_TEXT, proposal=LONG_TEXT)
limit_text(RejectForm, note=NOTE_TEXT)
limit_text(ReplyForm, text=LONG_TEXT)
limit_text(RateForm, comment=NOTE_TEXT)
limit_text(BallotForm, items=20 * LONG_TEXT)  # one 被评议人 a line: a long list
