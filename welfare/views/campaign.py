"""金秋助学 screens: the campaigns open to me, applying for my child, the review chain, the 公示 list,
the applicant table and the payment list in Excel. Reads through welfare.selectors (404 outside)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.services import bookkeeping_unit
from members import access
from members.models import Member, OrgUnit
from union_office.audit import audit_export, audit_read
from union_office.integers import parse_int
from union_office.limits import LONG_TEXT, limit_text
from union_office.pdf import render_pdf
from union_office.workflow import buttons as workflow_buttons
from union_office.xlsx import Column, write_report, xlsx_response

from .. import selectors, uploads
from ..forms import DocumentsField, ObjectionForm, ResolveForm, StudentFilter, StyledForm
from ..masking import mask_name
from ..models import Campaign, StudentApplication, StudentObjection, StudentPayment, StudentState
from ..models.campaign import GRANTED_STATES, ApplicantType
from ..services import campaign as services
from .aid import PAGE_SIZE, _render, form_pdf_response


def campaigns_for(user: Any):
    return services.campaigns_visible(user).select_related("org_unit").order_by("-year", "-opens_on")


def campaign_get(user: Any, pk: int) -> Campaign:
    campaign = campaigns_for(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404(selectors.NOT_FOUND)
    return campaign


class StudentForm(StyledForm):
    student_name = forms.CharField(label=gettext_lazy("学生姓名"), max_length=50)
    student_id = forms.CharField(label=gettext_lazy("学生身份证号"), max_length=18)
    school = forms.CharField(label=gettext_lazy("录取学校"), max_length=100)
    admission = forms.ChoiceField(
        label=gettext_lazy("录取批次"),
        choices=[(v, v) for v in ("一本", "二本", "高职（专科）")],
    )
    reason = forms.CharField(label=gettext_lazy("家庭困难情况"), widget=forms.Textarea(attrs={"rows": 4}))
    # Not required: most applicants are 职工, and a form sent without it means one.
    applicant_type = forms.ChoiceField(
        label=gettext_lazy("申请人类别"), choices=ApplicantType.choices, required=False, initial=ApplicantType.EMPLOYEE
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_fields = []
        self.conditional: dict[str, list[str]] = {}
        labels = dict(ApplicantType.choices)
        for index, (label, types) in enumerate(campaign.documents):
            name = f"doc_{index}"
            shown = f"{label}（{_('仅')}{'、'.join(str(labels.get(t, t)) for t in types)}）" if types else label
            # A document asked of some applicant types only is checked in clean(), against the type.
            self.fields[name] = DocumentsField(label=shown, required=not types)
            self.fields[name].widget.attrs["class"] = "form-control"
            self.document_fields.append((name, label))
            if types:
                self.conditional[name] = types

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data["applicant_type"] = data.get("applicant_type") or ApplicantType.EMPLOYEE
        for name, types in self.conditional.items():
            if kind in types and not data.get(name):
                self.add_error(name, _("该类别的申请人须提供此材料。"))
        return data


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CampaignSetupForm(StyledForm):
    """A 金秋助学 campaign in one form: documents and tiers one per line, as a notice lists them."""

    org_unit = forms.ModelChoiceField(label=gettext_lazy("主办工会"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=100)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    opens_on = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=gettext_lazy("申请截止"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    eligibility = forms.CharField(
        label=gettext_lazy("申请条件"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    documents = forms.CharField(
        label=gettext_lazy("必备材料（每行一项；只对部分申请人要求的，写“材料：农民工、劳务派遣”）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )
    tiers = forms.CharField(
        label=gettext_lazy("资助档次（每行：名称，名额，每年金额，资助年数）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["org_unit"].empty_label = _("- 请选择 -")

    def clean_documents(self) -> list[tuple[str, list[str]]]:
        by_label = {str(label): value for value, label in ApplicantType.choices}
        result = []
        for line in _lines(self.cleaned_data["documents"]):
            label, _sep, who = line.replace("：", ":").partition(":")
            types = [t.strip() for t in who.replace("，", "、").replace(",", "、").split("、") if t.strip()]
            unknown = [t for t in types if t not in by_label]
            if unknown or not label.strip():
                raise ValidationError(
                    _("“%(line)s”：申请人类别只能是%(kinds)s。")
                    % {"line": line, "kinds": "、".join(str(x) for x in ApplicantType.labels)}
                )
            result.append((label.strip()[:60], [by_label[t] for t in types]))
        return result

    def clean_tiers(self) -> list[tuple[str, int, Decimal, int]]:
        result = []
        for line in _lines(self.cleaned_data["tiers"]):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                name, quota, amount, years = parts
                result.append((name[:40], int(quota), Decimal(amount).quantize(Decimal("0.01")), int(years)))
            except (ValueError, ArithmeticError):
                raise ValidationError(
                    _("“%(line)s”应写成：名称，名额，每年金额，资助年数（例如：一档，5，5000，4）。") % {"line": line}
                ) from None
        return result


class HomeVisitForm(StyledForm):
    visited_on = forms.DateField(label=gettext_lazy("入户日期"), required=False)
    visitors = forms.CharField(label=gettext_lazy("核实人员"), required=False, max_length=200)
    findings = forms.CharField(label=gettext_lazy("核实情况"), required=False, max_length=2000)


@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    """The county's chair (or a 基层工会's) sets up a 金秋助学 campaign."""
    if not access.has_anywhere(request.user, "welfare.decide_aid"):
        raise PermissionDenied(_("只有工会主席可以设置金秋助学活动。"))
    units = access.units(request.user, "welfare.decide_aid").filter(kind__in=["upper", "base"])
    today = timezone.localdate()
    initial = {
        "year": today.year,
        "title": _("%(y)d年金秋助学") % {"y": today.year},
        "documents": "书面申请\n户口簿和身份证\n录取通知书\n扶贫手册：农民工",
        "tiers": "一档，5，5000，4\n二档，15，2000，1",
    }
    form = CampaignSetupForm(request.POST or None, initial=initial, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(actor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已设置“%(c)s”。") % {"c": campaign.title})
            return redirect("welfare:campaign_detail", campaign.pk)
    status = 400 if request.method == "POST" else 200
    response = _render(request, "welfare/campaign_form.html", {"form": form, "tab": "campaign"})
    response.status_code = status
    return response


@require_GET
@never_cache
def campaign_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, selectors.APPLY):
        raise Http404
    context = {
        "campaigns": campaigns_for(request.user),
        "tab": "campaign",
        "can_set_up": access.has_anywhere(request.user, "welfare.decide_aid"),
    }
    return _render(request, "welfare/campaign_list.html", context)


@require_GET
@never_cache
def student_list(request: HttpRequest) -> HttpResponse:
    """The 金秋 applications the user may read, across campaigns, by year, unit (its subtree) and
    whether granted: the 工会统计年报's 金秋 figures link here with the records they count."""
    if not access.has_anywhere(request.user, selectors.APPLY):
        raise Http404
    applications = (
        selectors.student_applications_visible(request.user)
        .select_related("member", "org_unit", "tier", "campaign")
        .order_by("-campaign__year", "org_unit__path", "pk")
    )
    form = StudentFilter(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            applications = applications.filter(campaign__year=data["year"])
        if data["granted"]:
            applications = applications.filter(state__in=GRANTED_STATES)
        if data["q"]:
            applications = applications.filter(
                Q(student_name__contains=data["q"]) | Q(member__name__contains=data["q"])
            )
        if data["unit"]:
            # Within what the user already sees: another union's number only narrows to nothing.
            unit = OrgUnit.objects.filter(pk=data["unit"]).first()
            applications = applications.filter(org_unit__path__startswith=unit.path) if unit else applications.none()
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "welfare/student_list.html", {"page": page, "filter": form, "tab": "campaign"})


@require_GET
@never_cache
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(request.user, pk)
    tiers = campaign.tiers.annotate(taken=Count("applications", filter=Q(applications__state__in=GRANTED_STATES)))
    applications = (
        selectors.student_applications_visible(request.user)
        .filter(campaign=campaign)
        .select_related("member", "org_unit", "tier")
        .order_by("org_unit__path", "pk")
    )
    if request.GET.get("format") in ("applicants", "payments"):
        return _export(request, campaign, applications)
    today = timezone.localdate()
    own = Member.objects.filter(user=request.user, status=Member.Status.ACTIVE).select_related("org_unit").first()
    context = {
        "campaign": campaign,
        "tiers": tiers,
        "applications": applications,
        "open": campaign.opens_on <= today <= campaign.deadline,
        "may_apply": own is not None and own.org_unit.path.startswith(campaign.org_unit.path),
        "reviewer": access.can(request.user, selectors.VIEW, campaign.org_unit)
        or applications.exclude(member__user=request.user).exists(),
        "tab": "campaign",
    }
    return _render(request, "welfare/campaign_detail.html", context)


def _export(request: HttpRequest, campaign: Campaign, applications) -> HttpResponse:
    if not access.has_anywhere(request.user, selectors.VIEW):
        raise Http404
    audit_export(
        actor=request.user,
        action=f"welfare.campaign.export_{request.GET['format']}",
        obj=campaign,
        changes={"rows": applications.count()},
    )
    if request.GET["format"] == "applicants":
        columns = [
            Column(_("单位"), 22),
            Column(_("家长"), 10),
            Column(_("学生"), 10),
            Column(_("学生身份证号"), 22),
            Column(_("录取学校"), 22),
            Column(_("批次"), 10),
            Column(_("档次"), 10),
            Column(_("状态"), 14),
        ]
        rows = [
            [
                a.org_unit.name,
                a.member.name,
                a.student_name,
                a.student_id_masked,
                a.school,
                a.admission,
                a.tier.name if a.tier else "",
                a.get_state_display(),
            ]
            for a in applications
        ]
        data = write_report(
            title=_("%(c)s申请人一览表") % {"c": campaign.title},
            unit=campaign.org_unit.name,
            period=str(campaign.year),
            columns=columns,
            rows=rows,
            sheet_title=_("申请人"),
        )
        return xlsx_response(data, f"{campaign.title}-申请人.xlsx")
    payments = (
        StudentPayment.objects.filter(application__in=applications)
        .select_related("application__org_unit", "application__member", "ledger_entry")
        .order_by("due_year", "application__org_unit__path", "pk")
    )
    columns = [
        Column(_("年度"), 8),  # a year, not a count: 2026, not 2,026
        Column(_("单位"), 22),
        Column(_("学生"), 10),
        Column(_("家长（领款人）"), 12),
        Column(_("第几年"), 8, "int"),
        Column(_("金额（元）"), 14, "money"),
        Column(_("状态"), 12),
        Column(_("凭证"), 12),
    ]
    rows = [
        [
            str(p.due_year),
            p.application.org_unit.name,
            p.application.student_name,
            p.application.member.name,
            p.year_index,
            p.amount,
            p.get_status_display(),
            p.ledger_entry.voucher_label if p.ledger_entry else "",
        ]
        for p in payments
    ]
    total = sum((p.amount for p in payments), Decimal("0.00"))
    data = write_report(
        title=_("%(c)s发放名单") % {"c": campaign.title},
        unit=campaign.org_unit.name,
        period=str(campaign.year),
        columns=columns,
        rows=rows,
        totals=[_("合计"), "", "", "", None, total, "", ""],
        sheet_title=_("发放名单"),
        orientation="portrait",
    )
    return xlsx_response(data, f"{campaign.title}-发放名单.xlsx")


@require_http_methods(["GET", "POST"])
@never_cache
def student_apply(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(request.user, pk)
    own = Member.objects.filter(user=request.user, status=Member.Status.ACTIVE).select_related("org_unit").first()
    if own is None:
        raise Http404
    form = StudentForm(request.POST or None, request.FILES or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        documents = [(label, f) for name, label in form.document_fields for f in data[name]]
        try:
            application = services.student_apply(
                actor=request.user,
                campaign=campaign,
                member=own,
                student_name=data["student_name"],
                student_id=data["student_id"],
                school=data["school"],
                admission=data["admission"],
                reason=data["reason"],
                documents=documents,
                applicant_type=data["applicant_type"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("申请已提交，请等待工会审核。"))
            return redirect("welfare:student_detail", application.pk)
    return _render(request, "welfare/student_form.html", {"form": form, "campaign": campaign, "tab": "campaign"})


def _student_get(user: Any, pk: int) -> StudentApplication:
    found = (
        selectors.student_applications_visible(user)
        .select_related("campaign__org_unit", "member", "org_unit", "tier")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(selectors.NOT_FOUND)
    return found


@require_GET
@never_cache
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _student_get(request.user, pk)
    if application.member.user_id != request.user.pk:
        # The family's circumstances and the student's ID (issue 17, finding 6); the parent's own reads are not.
        audit_read(actor=request.user, action="welfare.student.read", obj=application)
    buttons = workflow_buttons(services.STUDENT, request.user, application)
    reviewer = access.can(request.user, selectors.VIEW, application.org_unit)
    objections = list(application.objections.select_related("raised_by", "resolved_by")) if reviewer else []
    context = {
        "application": application,
        "attachments": uploads.attachments_of(application),
        "payments": application.payments.select_related("ledger_entry"),
        "buttons": buttons,
        "tiers": application.campaign.tiers.all(),
        "may_pay": access.can(request.user, selectors.REVIEW, application.campaign.org_unit),
        # Later years are paid by the treasurer of the union whose books carry the campaign.
        "may_pay_year": access.can(request.user, selectors.PAY, bookkeeping_unit(application.campaign.org_unit)),
        "is_parent": application.member.user_id == request.user.pk,
        "reviewer": reviewer,
        "objections": objections,
        "open_objections": sum(1 for o in objections if o.resolved_at is None),
        "tab": "campaign",
    }
    return _render(request, "welfare/student_detail.html", context)


# The states at or past which each review has been given, for the opinions the form fills in.
_PAST_APPROVAL = {StudentState.APPROVED, StudentState.NOTICE, StudentState.PAID}
_PAST_UPPER = {StudentState.UPPER_REVIEWED, *_PAST_APPROVAL}
_PAST_BASE = {StudentState.BASE_REVIEWED, StudentState.VISITED, *_PAST_UPPER}


@require_GET
def student_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """金秋助学申请审批表, printed by the union and filed with the signatures."""
    application = _student_get(request.user, pk)
    if not access.can(request.user, selectors.VIEW, application.org_unit):
        raise PermissionDenied(_("申请表由工会打印存档。"))
    state = application.state
    audit_export(actor=request.user, action="welfare.student.print", obj=application)
    pdf = render_pdf(
        "welfare/pdf/student_form.html",
        {
            "application": application,
            "attachments": uploads.attachments_of(application),
            "payments": application.payments.order_by("year_index"),
            "phone": access.phone_shown(request.user, application.member),
            "passed": {"base": state in _PAST_BASE, "upper": state in _PAST_UPPER, "approved": state in _PAST_APPROVAL},
            "printed_at": timezone.localtime(),
        },
        request=request,
    )
    return form_pdf_response(pdf, f"金秋助学申请表-{application.student_name}-{application.pk}.pdf")


@require_POST
def student_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = _student_get(request.user, pk)
    tier = request.POST.get("tier")
    visit = HomeVisitForm(request.POST)
    try:
        if action == "home_visit" and not visit.is_valid():
            raise ValidationError(_("请按“年-月-日”填写入户日期，核实人员最多 200 字，核实情况最多 2000 字。"))
        fields = visit.cleaned_data if action == "home_visit" else {}
        result = services.student_perform(
            actor=request.user,
            application_id=application.pk,
            action=action,
            comment=request.POST.get("comment", ""),
            tier_id=parse_int(tier),
            **fields,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, result.message)
    return redirect("welfare:student_detail", pk)


@require_POST
def payment_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    payment = StudentPayment.objects.filter(pk=pk).first()
    if payment is None:
        raise Http404
    application = _student_get(request.user, payment.application_id)
    try:
        if action == "proof":
            upload = request.FILES.get("document")
            if upload is None:
                raise ValidationError(_("请选择在读证明文件。"))
            services.payment_proof(actor=request.user, payment_id=payment.pk, upload=upload)
            done = _("在读证明已上传，这一年的资助可以发放。")
        elif action == "pay":
            paid = services.payment_pay(actor=request.user, payment_id=payment.pk)
            done = _("第 %(n)d 年资助已发放并记账。") % {"n": paid.year_index}
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("welfare:student_detail", application.pk)


@require_GET
@never_cache
def campaign_notice(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(request.user, pk)
    rows = [
        {"a": a, "parent": mask_name(a.member.name), "student": mask_name(a.student_name)}
        for a in StudentApplication.objects.filter(campaign=campaign, state__in=["notice", "paid"])
        .select_related("member", "org_unit", "tier")
        .order_by("tier__amount", "org_unit__path", "pk")
    ]
    context = {"campaign": campaign, "rows": rows, "today": timezone.localdate(), "tab": "campaign"}
    return _render(request, "welfare/campaign_notice.html", context)


@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """An objection to one name on a 公示 list the user may see (404 for any other application)."""
    campaign_id = StudentApplication.objects.filter(pk=pk).values_list("campaign_id", flat=True).first()
    if campaign_id is None:
        raise Http404
    campaign = campaign_get(request.user, campaign_id)
    form = ObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请写明异议的内容和理由（最多 2000 字）。"))
        services.objection_raise(actor=request.user, application_id=pk, text=form.cleaned_data["text"])
    except StudentApplication.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("异议已提交，主办工会将核查处理并为您保密。"))
    return redirect("welfare:campaign_notice", campaign.pk)


@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = StudentObjection.objects.filter(pk=pk).first()
    if objection is None:
        raise Http404
    application = _student_get(request.user, objection.application_id)
    if not access.can(request.user, selectors.VIEW, application.org_unit):
        raise Http404
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写异议的核查和处理意见。"))
        services.objection_resolve(actor=request.user, objection_id=pk, resolution=form.cleaned_data["resolution"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("异议已处理。"))
    return redirect("welfare:student_detail", application.pk)


# Free text has a limit (issue 17).
limit_text(StudentForm, reason=LONG_TEXT)
