"""Motions: the list, the form, the detail page with the workflow buttons, co-signing, handling."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access
from members.models import Department
from union_office.workflow import Button, buttons, confirm_text

from .. import selectors, services, workflow
from ..forms import (
    AssignForm,
    FlagsForm,
    InviteForm,
    MergeForm,
    MotionForm,
    RateForm,
    RejectForm,
    ReplyForm,
    YearUnitFilter,
)
from ..models import Motion, MotionCategory, MotionReply, MotionStatus
from ..selectors import RECEIVED_EXCLUDES
from ..services.common import MOTION, delegate_of, handler_department_ids, is_proposer
from .sessions import PAGE_SIZE, session_context

# Moves that need a form on the detail page rather than a bare button.
FORM_ACTIONS = frozenset({"reject", "merge", "assign", "reply", "rate", "reopen"})


@require_GET
def motion_list(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "motions")
    motions = selectors.motion_list(request.user, session)
    status, category, q = (
        request.GET.get("status", ""),
        request.GET.get("category", ""),
        request.GET.get("q", "").strip(),
    )
    if status in MotionStatus.values:
        motions = motions.filter(status=status)
    if category in MotionCategory.values:
        motions = motions.filter(category=category)
    if q:
        motions = motions.filter(Q(title__icontains=q) | Q(proposer__member__name=q))
    page = Paginator(motions, PAGE_SIZE).get_page(request.GET.get("page"))
    context |= {
        "page": page,
        "statuses": MotionStatus.choices,
        "categories": MotionCategory.choices,
        "filters": {"status": status, "category": category, "q": q},
    }
    return render(request, "congress/motion_list.html", context)


@require_GET
def motion_all(request: HttpRequest) -> HttpResponse:
    """The motions of every session the user sees, by year and unit (its subtree); `received=1`
    leaves out drafts and those still gathering co-signers, as the 工会统计年报's 收到提案 counts."""
    if not access.has_anywhere(request.user, selectors.VIEW):
        raise Http404
    motions = YearUnitFilter(request.GET).narrow(selectors.motions_visible(request.user), "session")
    if request.GET.get("received") == "1":
        motions = motions.exclude(status__in=RECEIVED_EXCLUDES)
    motions = motions.select_related("session__org_unit", "proposer__member").order_by("-session__year", "number", "pk")
    page = Paginator(motions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "congress/motion_all.html", {"page": page})


@require_http_methods(["GET", "POST"])
def motion_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    if delegate_of(request.user, session) is None:
        raise PermissionDenied(_("只有本届职工代表可以提出提案；您可以提交意见建议，由代表转为提案。"))
    form = MotionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        motion = services.motion_create(actor=request.user, session=session, values=form.cleaned_data)
        messages.success(request, _("提案草稿已保存。下一步：邀请代表附议。"))
        return redirect("congress:motion_detail", pk=motion.pk)
    context = session_context(request, session, "motions") | {"form": form, "motion": None}
    return render(request, "congress/motion_form.html", context)


@require_http_methods(["GET", "POST"])
def motion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get(request.user, pk)
    if not is_proposer(request.user, motion):
        raise PermissionDenied(_("只有第一提案人可以修改提案。"))
    form = MotionForm(request.POST or None, request.FILES or None, instance=motion)
    if request.method == "POST" and form.is_valid():
        try:
            services.motion_update(actor=request.user, motion_id=motion.pk, values=form.cleaned_data)
        except services.CongressError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("提案已保存。"))
            return redirect("congress:motion_detail", pk=motion.pk)
    context = session_context(request, motion.session, "motions") | {"form": form, "motion": motion}
    return render(request, "congress/motion_form.html", context)


def _buttons(user: Any, motion: Motion) -> list[Button]:
    """The moves this user may make now without a form, from the one table (a guard that stops
    one is shown as its reason); 附议 has its own card."""
    return [b for b in buttons(MOTION, user, motion) if b.action not in FORM_ACTIONS | {"cosign"}]


def _reply_departments(user: Any, motion: Motion) -> list[Department]:
    ids = handler_department_ids(user)
    allowed = {motion.lead_department_id, *motion.co_departments.values_list("pk", flat=True)} & ids
    # all_objects: a department retired after the 交办 still answers what it was handed.
    return list(Department.all_objects.filter(pk__in=allowed).order_by("name"))


def _merge_candidates(motion: Motion) -> Any:
    return (
        Motion.objects.filter(session=motion.session_id, status__in={MotionStatus.REVIEWING} | workflow.REGISTERED)
        .exclude(pk=motion.pk)
        .select_related("session")
        .order_by("number", "pk")
    )


@require_GET
def motion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get(request.user, pk)
    session = motion.session
    context = session_context(request, session, "motions")
    committee = context["is_committee"]
    proposer = is_proposer(request.user, motion)
    parts = selectors.motion_detail_parts(motion)
    invitation = next((c for c in parts["cosigners"] if c.delegate.member.user_id == request.user.pk), None)
    reply_departments = _reply_departments(request.user, motion) if motion.status in workflow.HANDLING else []
    status = MotionStatus(motion.status)
    context |= parts | {
        "motion": motion,
        "is_proposer": proposer,
        "buttons": _buttons(request.user, motion),
        "invitation": invitation,
        "confirmed": sum(1 for c in parts["cosigners"] if c.confirmed_at),
        "invite_form": InviteForm(motion=motion) if proposer and status in workflow.EDITABLE else None,
        "reject_form": RejectForm() if committee and status == MotionStatus.REVIEWING else None,
        "merge_form": (
            MergeForm(motion=motion, candidates=_merge_candidates(motion))
            if committee and status == MotionStatus.REVIEWING
            else None
        ),
        "similar": selectors.similar_motions(motion) if committee and status == MotionStatus.REVIEWING else [],
        "assign_form": AssignForm(motion=motion) if committee and status == MotionStatus.REGISTERED else None,
        "reply_form": ReplyForm(departments=reply_departments) if reply_departments else None,
        "rate_form": RateForm() if proposer and status == MotionStatus.REPLIED else None,
        "flags_form": (
            FlagsForm(initial={"is_key": motion.is_key, "is_excellent": motion.is_excellent})
            if committee and status in workflow.REGISTERED
            else None
        ),
        "overdue": selectors.overdue(motion),
        "steps": _steps(status),
        "confirms": {t.action: confirm_text(MOTION, t) for t in workflow.TRANSITIONS if t.confirm},
    }
    return render(request, "congress/motion_detail.html", context)


MAIN_PATH = (
    MotionStatus.DRAFT,
    MotionStatus.COLLECTING,
    MotionStatus.SUBMITTED,
    MotionStatus.REVIEWING,
    MotionStatus.REGISTERED,
    MotionStatus.ASSIGNED,
    MotionStatus.REPLIED,
    MotionStatus.EVALUATED,
    MotionStatus.CLOSED,
)


def _steps(status: MotionStatus) -> list[dict[str, Any]]:
    """The progress bar: the main path, with 不予立案/已合并 shown where they leave it."""
    path = [*MAIN_PATH[:4], status] if status in (MotionStatus.REJECTED, MotionStatus.MERGED) else list(MAIN_PATH)
    index = path.index(status)
    return [{"label": s.label, "done": i < index, "current": i == index} for i, s in enumerate(path)]


@require_POST
def motion_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Every workflow move of the detail page posts here; the service checks who and when."""
    motion = selectors.motion_get(request.user, pk)
    if action not in workflow.ACTIONS:
        raise Http404
    done = None
    try:
        if action in services.motions.SIMPLE_ACTIONS:
            done = services.motion_move(actor=request.user, motion_id=motion.pk, action=action)
        elif action == "register":
            opinion = request.POST.get("opinion", "")
            done = services.motion_register(actor=request.user, motion_id=motion.pk, opinion=opinion)
            messages.success(request, _("已立案，提案号 %(number)s。") % {"number": done.number_display})
            messages.info(request, done.done_message)
            return redirect("congress:motion_detail", pk=pk)
        elif action == "close":
            done = services.motion_close(actor=request.user, motion_id=motion.pk)
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise services.CongressError(_("请选择不予立案的理由。"))
            done = services.motion_reject(actor=request.user, motion_id=motion.pk, **form.cleaned_data)
        elif action == "merge":
            form = MergeForm(request.POST, motion=motion, candidates=_merge_candidates(motion))
            if not form.is_valid():
                raise services.CongressError(_("请选择要并入的提案。"))
            target = services.motion_merge(
                actor=request.user, motion_id=motion.pk, into_id=form.cleaned_data["into"].pk
            )
            messages.success(request, _("已并入提案《%(title)s》，两位提案人均保留。") % {"title": target.title})
            return redirect("congress:motion_detail", pk=target.pk)
        elif action == "assign":
            form = AssignForm(request.POST, motion=motion)
            if not form.is_valid():
                raise services.CongressError([m for errors in form.errors.values() for m in errors])
            done = services.motion_assign(
                actor=request.user,
                motion_id=motion.pk,
                lead_department_id=form.cleaned_data["lead_department"].pk,
                co_department_ids=[d.pk for d in form.cleaned_data["co_departments"]],
                due_on=form.cleaned_data["due_on"],
            )
        elif action == "reply":
            form = ReplyForm(request.POST, request.FILES, departments=_reply_departments(request.user, motion))
            if not form.is_valid():
                if not _reply_departments(request.user, motion):
                    raise Http404
                raise services.CongressError([m for errors in form.errors.values() for m in errors])
            reply = services.motion_reply(
                actor=request.user,
                motion_id=motion.pk,
                department_id=form.cleaned_data["department"].pk,
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data["attachment"],
            )
        elif action in ("rate", "reopen"):
            form = RateForm(request.POST)
            if not form.is_valid():
                raise services.CongressError(_("请选择满意、基本满意或不满意。"))
            done = services.motion_rate(actor=request.user, motion_id=motion.pk, **form.cleaned_data)
    except services.CongressError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if action == "reply" and not reply.is_lead:
            messages.success(request, _("会办意见已提交。"))
        else:
            motion.refresh_from_db()
            said = getattr(done, "done_message", "") or _("已%(action)s。") % {"action": workflow.label(action)}
            messages.success(request, said + _("当前状态：%(status)s。") % {"status": motion.get_status_display()})
    return redirect("congress:motion_detail", pk=pk)


@require_POST
def cosigners_invite(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get(request.user, pk)
    form = InviteForm(request.POST, motion=motion)
    if form.is_valid():
        try:
            n = services.cosigners_invite(
                actor=request.user, motion_id=motion.pk, delegate_ids=[d.pk for d in form.cleaned_data["delegates"]]
            )
        except services.CongressError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已邀请 %(n)s 名代表附议。") % {"n": n})
    else:
        messages.error(request, _("请选择要邀请的代表。"))
    return redirect("congress:motion_detail", pk=pk)


@require_POST
def cosign(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get(request.user, pk)
    decline = request.POST.get("decline") == "1"
    try:
        if decline:
            services.cosigner_decline(actor=request.user, motion_id=motion.pk)
            messages.success(request, _("已谢绝附议。"))
        else:
            done = services.cosigner_confirm(actor=request.user, motion_id=motion.pk)
            messages.success(request, done.done_message)
    except services.CongressError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("congress:motion_detail", pk=pk)


@require_POST
def motion_flags(request: HttpRequest, pk: int) -> HttpResponse:
    motion = selectors.motion_get(request.user, pk)
    form = FlagsForm(request.POST)
    form.is_valid()
    try:
        services.motion_set_flags(actor=request.user, motion_id=motion.pk, **form.cleaned_data)
    except services.CongressError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("标记已保存。"))
    return redirect("congress:motion_detail", pk=pk)


def _file(field: Any, name: str) -> FileResponse:
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), as_attachment=True, filename=name or field.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def motion_attachment(request: HttpRequest, pk: int) -> FileResponse:
    motion = selectors.motion_get(request.user, pk)
    return _file(motion.attachment, motion.attachment_name)


@require_GET
def reply_attachment(request: HttpRequest, pk: int) -> FileResponse:
    reply = MotionReply.objects.filter(pk=pk).first()
    if reply is None:
        raise Http404
    selectors.motion_get(request.user, reply.motion_id)
    return _file(reply.attachment, reply.attachment_name)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """承办部门: what is assigned to my departments, what is due, what is overdue."""
    if not handler_department_ids(request.user):
        raise Http404
    motions = list(selectors.inbox(request.user))
    rows = [{"motion": m, "overdue": selectors.overdue(m)} for m in motions]
    context = {
        "rows": rows,
        "open": sum(1 for m in motions if m.status == MotionStatus.ASSIGNED),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "departments": Department.all_objects.filter(pk__in=handler_department_ids(request.user)).order_by("name"),
    }
    return render(request, "congress/inbox.html", context)
