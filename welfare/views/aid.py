"""Welfare screens. Every object comes through welfare.selectors (404 outside its readers); every
write goes through welfare.services (PermissionDenied → 403 for readers who may not act)."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access
from members.models import Member, OrgUnit, OrgUnitKind
from union_office.audit import audit_export, audit_read, unit_pk_of
from union_office.integers import parse_int
from union_office.pdf import render_pdf
from union_office.workflow import buttons as workflow_buttons
from union_office.xlsx import xlsx_response

from .. import reports, selectors, uploads
from ..forms import (
    ActForm,
    AidFilter,
    AidForm,
    CloseForm,
    FileForm,
    ObjectionForm,
    ResolveForm,
    ReviewForm,
    UploadForm,
    VisitForm,
)
from ..masking import mask_name
from ..models import AidApplication, AidState, HardshipFile, HardshipStatus, Objection, Visit
from ..services import aid as aid_services
from ..services import hardship as file_services
from ..services import visits as visit_services
from ..services.common import WelfareError
from ..workflow.aid import MAIN_PATH

PAGE_SIZE = 30


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """render() with what the tabs need: the reviewers' tabs only for reviewers."""
    context.setdefault("welfare_reviewer", access.has_anywhere(request.user, selectors.VIEW))
    return render(request, template, context)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _may_review_anywhere(user: Any) -> bool:
    return access.has_anywhere(user, selectors.REVIEW)


def _own_member(user: Any) -> Member | None:
    return Member.objects.filter(user=user, status=Member.Status.ACTIVE).select_related("org_unit").first()


# --- Index ---------------------------------------------------------------------------------------


@require_GET
@never_cache
def index(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, selectors.APPLY):
        raise Http404
    user = request.user
    mine = AidApplication.objects.filter(member__user=user).select_related("member").order_by("-created_at")[:20]
    context: dict[str, Any] = {
        "mine": mine,
        "is_reviewer": _may_review_anywhere(user),
        "notice_count": aid_services.notice_board(user).count(),
        "tab": "index",
    }
    if context["is_reviewer"]:
        apps = selectors.applications_visible(user)
        context["queue"] = dict(apps.values_list("state").annotate(n=Count("pk")).order_by())
        context["queue_rows"] = [
            (state, label, context["queue"].get(state, 0))
            for state, label in AidState.choices
            if state not in ("draft",)
        ]
        today = timezone.localdate()
        files = selectors.files_visible(user).filter(status=HardshipStatus.ACTIVE)
        context["files_active"] = files.count()
        context["files_due"] = files.filter(review_due_on__lte=today + dt.timedelta(days=30)).count()
    return _render(request, "welfare/index.html", context)


# --- Aid applications ----------------------------------------------------------------------------


@require_GET
@never_cache
def aid_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, selectors.APPLY):
        raise Http404
    applications = (
        selectors.applications_visible(request.user).select_related("member", "org_unit").order_by("-created_at", "-pk")
    )
    form = AidFilter(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            applications = applications.filter(state=data["state"])
        if data["kind"]:
            applications = applications.filter(kind=data["kind"])
        if data["q"]:
            applications = applications.filter(member__name__contains=data["q"])
        if data["paid_year"]:
            applications = applications.filter(paid_at__year=data["paid_year"])
        if data["unit"]:
            # Within what the user already sees: another union's number only narrows to nothing.
            unit = OrgUnit.objects.filter(pk=data["unit"]).first()
            applications = applications.filter(org_unit__path__startswith=unit.path) if unit else applications.none()
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "welfare/aid_list.html",
        {"page": page, "filter": form, "is_reviewer": _may_review_anywhere(request.user), "tab": "aid"},
    )


@require_http_methods(["GET", "POST"])
@never_cache
def aid_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.has_anywhere(user, selectors.APPLY):
        raise Http404
    reviewer = _may_review_anywhere(user)
    own = _own_member(user)
    if own is None and not reviewer:
        raise PermissionDenied(_("您的账号没有关联在册会员，不能申请帮扶。"))
    form = AidForm(request.POST or None, request.FILES or None, entering_for_others=reviewer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = own
        if reviewer and data.get("id_number"):
            member = form.find_member(access.units(user, selectors.REVIEW))
        elif member is None:
            form.add_error("id_number", _("请填写申请人的身份证号。"))
        if member is not None and not form.errors:
            label = _("申请材料")
            try:
                application = aid_services.aid_create(
                    actor=user,
                    member=member,
                    kind=data["kind"],
                    amount_requested=data["amount_requested"],
                    reason=data["reason"],
                    hardship_file=HardshipFile.objects.filter(member=member, status=HardshipStatus.ACTIVE).first(),
                    documents=[(label, f) for f in data["documents"]],
                    submit=data["submit_now"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("申请已提交，请等待工会初审。") if data["submit_now"] else _("申请已保存为草稿。"),
                )
                return redirect("welfare:aid_detail", application.pk)
    return _render(request, "welfare/aid_form.html", {"form": form, "reviewer": reviewer, "own": own, "tab": "aid"})


def _steps(application: AidApplication) -> list[dict[str, Any]]:
    current = application.state
    reached = MAIN_PATH.index(current) if current in MAIN_PATH else -1
    return [
        {"label": state.label, "done": i < reached or current == "paid", "current": state == current}
        for i, state in enumerate(MAIN_PATH)
    ]


@require_GET
@never_cache
def aid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request.user, pk)
    user = request.user
    reviewer = access.can(user, selectors.VIEW, application.org_unit)
    if application.member.user_id != user.pk:
        # Hardship details of someone else (issue 17, finding 6); the applicant's own reads are not.
        audit_read(actor=user, action="welfare.aid.read", obj=application)
    buttons = workflow_buttons(aid_services.AID, user, application)
    objections = list(application.objections.select_related("raised_by", "resolved_by")) if reviewer else []
    context = {
        "application": application,
        "steps": _steps(application),
        "history": application.steps.select_related("actor"),
        "attachments": uploads.attachments_of(application).select_related("uploaded_by"),
        "buttons": buttons,
        "act_form": ActForm(
            initial={"visited_on": timezone.localdate(), "amount_granted": application.amount_requested}
        ),
        "upload_form": UploadForm(),
        "may_upload": application.state not in ("paid", "rejected", "withdrawn")
        and (application.member.user_id == user.pk or access.can(user, selectors.REVIEW, application.org_unit)),
        "reviewer": reviewer,
        "objections": objections,
        "open_objections": sum(1 for o in objections if o.resolved_at is None),
        "resolve_form": ResolveForm(),
        "may_resolve": access.can(user, selectors.REVIEW, application.org_unit),
        "may_print": reviewer,
        "tab": "aid",
    }
    return _render(request, "welfare/aid_detail.html", context)


@require_POST
def aid_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = selectors.application_get(request.user, pk)
    form = ActForm(request.POST)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    if form.errors:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}：{error}" if field in form.fields else error)
        return redirect("welfare:aid_detail", pk)
    try:
        result = aid_services.aid_perform(actor=request.user, application_id=application.pk, action=action, **data)
    except WelfareError as exc:
        _error(request, exc)
    else:
        messages.success(request, result.message)
    return redirect("welfare:aid_detail", pk)


@require_POST
def aid_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request.user, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("welfare:aid_detail", pk)
    try:
        for upload in form.cleaned_data["documents"]:
            aid_services.aid_attach(
                actor=request.user, application_id=application.pk, upload=upload, label=form.cleaned_data["label"]
            )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("材料已上传。"))
    return redirect("welfare:aid_detail", pk)


def _screen_level(unit: OrgUnit) -> str:
    """Who gave the 初审 opinion (the form's "分工会初审意见"): the applicant's 分工会 when there is
    one, else the 基层工会 itself."""
    in_branch = unit.kind == OrgUnitKind.BRANCH or (
        unit.kind == OrgUnitKind.GROUP and unit.parent is not None and unit.parent.kind == OrgUnitKind.BRANCH
    )
    return _("分工会") if in_branch else _("基层工会")


@require_GET
def aid_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request.user, pk)
    if not access.can(request.user, selectors.VIEW, application.org_unit):
        raise PermissionDenied(_("申请表由工会打印存档。"))
    audit_export(actor=request.user, action="welfare.aid.print", obj=application)
    pdf = render_pdf(
        "welfare/pdf/aid_form.html",
        {
            "application": application,
            "history": application.steps.select_related("actor"),
            "attachments": uploads.attachments_of(application),
            "family": application.hardship_file.family.all() if application.hardship_file else [],
            "printed_at": timezone.localtime(),
            "screen_level": _screen_level(application.org_unit),
            "phone": access.phone_shown(request.user, application.member),
        },
        request=request,
    )
    return form_pdf_response(pdf, f"帮扶申请表-{application.member.name}-{application.pk}.pdf")


def form_pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A printed application form: shown inline, never cached (it carries personal data)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(request.user, pk)
    if attachment.uploaded_by_id != request.user.pk:
        audit_read(
            actor=request.user,
            action="welfare.attachment.read",
            obj=attachment,
            unit_pk=unit_pk_of(attachment.owner),
        )
    return uploads.attachment_response(attachment, inline=request.GET.get("download") != "1")


# --- 公示 and objections -------------------------------------------------------------------------


@require_GET
@never_cache
def notice_board(request: HttpRequest) -> HttpResponse:
    if not access.grants_for(request.user) and not request.user.is_superuser:
        raise Http404
    rows = _notice_rows(aid_services.notice_board(request.user))
    context = {
        "rows": rows,
        "notices": _notices(rows),
        "form": ObjectionForm(),
        "today": timezone.localdate(),
        "tab": "notice",
    }
    return _render(request, "welfare/notice.html", context)


def _notice_rows(applications: Any) -> list[dict[str, Any]]:
    """The 公示 lines as anyone may read them: masked name and 身份证号, unit, type, amount."""
    return [
        {"application": a, "name": mask_name(a.member.name), "id_masked": a.member.id_number_masked}
        for a in applications
    ]


def _notices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One notice per unit that puts it up: its period (first day to last), where to object."""
    by_unit: dict[int, dict[str, Any]] = {}
    for row in rows:
        a = row["application"]
        notice = by_unit.setdefault(
            a.notice_unit_id,
            {"unit": a.notice_unit, "starts": a.notice_starts_on, "ends": a.notice_ends_on, "rows": []},
        )
        notice["starts"] = min(notice["starts"], a.notice_starts_on)
        notice["ends"] = max(notice["ends"], a.notice_ends_on)
        notice["rows"].append(row)
    return list(by_unit.values())


@require_GET
@never_cache
def notice_pdf(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """The printable 公示 of one unit: title, period, the masked list, where and by when to object,
    the contact phone, 落款 and date. Whoever sees the board may print it; others get 404."""
    if not access.grants_for(request.user) and not request.user.is_superuser:
        raise Http404
    rows = _notice_rows(aid_services.notice_board(request.user).filter(notice_unit_id=unit_pk))
    if not rows:
        raise Http404(_("该单位目前没有正在公示的帮扶。"))
    (notice,) = _notices(rows)
    pdf = render_pdf("welfare/pdf/notice.html", {"notice": notice}, request=request)
    audit_export(actor=request.user, action="welfare.notice.print", obj=notice["unit"])
    filename = _("%(unit)s困难职工帮扶公示.pdf") % {"unit": notice["unit"].name}
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response


@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明异议的内容和理由。"))
        return redirect("welfare:notice")
    try:
        aid_services.objection_raise(actor=request.user, application_id=pk, text=form.cleaned_data["text"])
    except AidApplication.DoesNotExist:
        raise Http404 from None
    except WelfareError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("异议已提交，工会将核查处理。"))
    return redirect("welfare:notice")


@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = Objection.objects.filter(pk=pk).first()
    if objection is None:
        raise Http404
    application = selectors.application_get(request.user, objection.application_id)
    if not access.can(request.user, selectors.VIEW, application.org_unit):
        raise Http404
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise WelfareError(_("请填写异议的核查和处理意见。"))
        aid_services.objection_resolve(actor=request.user, objection_id=pk, resolution=form.cleaned_data["resolution"])
    except WelfareError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("异议已处理。"))
    return redirect("welfare:aid_detail", application.pk)


# --- Hardship files ------------------------------------------------------------------------------


def _require_reviewer(user: Any) -> None:
    if not access.has_anywhere(user, selectors.VIEW):
        raise Http404


@require_GET
@never_cache
def file_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    files = (
        selectors.files_visible(request.user)
        .select_related("member", "org_unit")
        .order_by("status", "review_due_on", "pk")
    )
    status = request.GET.get("status", "active")
    if status in HardshipStatus.values:
        files = files.filter(status=status)
    if request.GET.get("due"):
        files = files.filter(review_due_on__lte=timezone.localdate() + dt.timedelta(days=30))
    if request.GET.get("q"):
        files = files.filter(member__name__contains=request.GET["q"][:50])
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "welfare/file_list.html",
        {
            "page": page,
            "status": status,
            "today": timezone.localdate(),
            "may_create": access.has_anywhere(request.user, selectors.REVIEW),
            "tab": "files",
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
def file_create(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    if not access.has_anywhere(request.user, selectors.REVIEW):
        raise PermissionDenied
    form = FileForm(request.POST or None, request.FILES or None)
    form.fields["id_number"].required = True
    form.fields["id_number"].label = _("户主身份证号")
    if request.method == "POST" and form.is_valid():
        member = form.find_member(access.units(request.user, selectors.REVIEW))
        if member is not None:
            data = form.cleaned_data
            try:
                file = file_services.file_open(
                    actor=request.user,
                    member=member,
                    level=data["level"],
                    causes=data["causes"],
                    situation=data["situation"],
                    monthly_income=data["monthly_income"],
                    family=data["family"],
                    documents=[(_("证明材料"), f) for f in data["documents"]],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("档案已建立。"))
                return redirect("welfare:file_detail", file.pk)
    return _render(request, "welfare/file_form.html", {"form": form, "tab": "files"})


def timeline(file: HardshipFile) -> list[dict[str, Any]]:
    """File events, aid and visits of the household, newest first."""
    items: list[dict[str, Any]] = []
    for event in file.events.select_related("actor"):
        items.append({"at": event.at, "kind": event.get_kind_display(), "text": event.note, "actor": event.actor})
    for a in AidApplication.objects.filter(member_id=file.member_id).order_by():
        items.append(
            {
                "at": a.paid_at or a.submitted_at or a.created_at,
                "kind": _("帮扶申请"),
                "text": f"{a.get_kind_display()} · {a.get_state_display()} · {a.amount_shown} 元",
                "url": reverse("welfare:aid_detail", args=[a.pk]),
            }
        )
    for v in Visit.objects.filter(member_id=file.member_id).order_by():
        items.append(
            {
                "at": timezone.make_aware(dt.datetime.combine(v.visited_on, dt.time(12))),
                "kind": _("慰问"),
                "text": f"{v.get_kind_display()}（{v.cause}）· {v.amount} 元 · {v.visitors}",
            }
        )
    items.sort(key=lambda item: item["at"], reverse=True)
    return items


@require_GET
@never_cache
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.file_get(request.user, pk)
    may_edit = access.can(request.user, selectors.REVIEW, file.org_unit)
    audit_read(actor=request.user, action="welfare.file.read", obj=file)
    context = {
        "file": file,
        "family": file.family.all(),
        "attachments": uploads.attachments_of(file).select_related("uploaded_by"),
        "timeline": timeline(file),
        "may_edit": may_edit and file.status == HardshipStatus.ACTIVE,
        "review_form": ReviewForm(),
        "close_form": CloseForm(),
        "upload_form": UploadForm(),
        "due": file.status == HardshipStatus.ACTIVE and file.review_due_on <= timezone.localdate(),
        "tab": "files",
    }
    return _render(request, "welfare/file_detail.html", context)


@require_POST
def file_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    file = selectors.file_get(request.user, pk)
    try:
        if action == "review":
            file_services.file_review(actor=request.user, file_id=file.pk, note=request.POST.get("note", ""))
        elif action == "close":
            file_services.file_close(actor=request.user, file_id=file.pk, reason=request.POST.get("reason", ""))
        elif action == "upload":
            form = UploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            for upload in form.cleaned_data["documents"]:
                file_services.file_attach(
                    actor=request.user, file_id=file.pk, upload=upload, label=form.cleaned_data["label"]
                )
        else:
            raise Http404
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已办理。"))
    return redirect("welfare:file_detail", pk)


# --- Visits --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
def visit_list(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    may_record = access.has_anywhere(request.user, selectors.REVIEW)
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            member = form.find_member(access.units(request.user, selectors.REVIEW))
            if member is not None:
                data = form.cleaned_data
                try:
                    visit_services.visit_record(
                        actor=request.user,
                        member=member,
                        kind=data["kind"],
                        cause=data["cause"],
                        cause_category=data["cause_category"],
                        visited_on=data["visited_on"],
                        amount=data["amount"],
                        is_cash=data["is_cash"],
                        gift=data["gift"],
                        visitors=data["visitors"],
                        note=data["note"],
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, _("慰问已登记并记账。"))
                    return redirect("welfare:visits")
    visits = (
        selectors.visits_visible(request.user).select_related("member", "ledger_entry").order_by("-visited_on", "-pk")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request, "welfare/visits.html", {"page": page, "form": form, "may_record": may_record, "tab": "visits"}
    )


# --- Reports -------------------------------------------------------------------------------------


@require_GET
@never_cache
def report(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request.user)
    year = _year(request)
    data = reports.aid_given(request.user, year)
    if request.GET.get("format") == "xlsx":
        response = xlsx_response(reports.aid_given_xlsx(data), f"帮扶资金发放情况-{year}.xlsx")
        audit_export(
            actor=request.user,
            action="welfare.report.export",
            unit_pk=access.scope_root_pk(request.user, selectors.VIEW),
            changes={"year": year},
        )
        return response
    return _render(request, "welfare/report.html", {"report": data, "year": year, "tab": "report"})


def _year(request: HttpRequest) -> int:
    year = parse_int(request.GET.get("year"), minimum=2000, maximum=2100)
    return year if year is not None else timezone.localdate().year
