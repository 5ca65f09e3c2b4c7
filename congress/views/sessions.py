"""Sessions (届次), delegates and the composition check, suggestions."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from members import access

from .. import selectors, services
from ..forms import AdoptForm, DelegateImportForm, SessionForm, SuggestionAnswerForm, SuggestionForm, YearUnitFilter
from ..models import Delegate, Motion, MotionStatus
from ..services.common import REVIEW, delegate_of, handler_department_ids
from ..services.motions import member_of_session

PAGE_SIZE = 30


def session_context(request: HttpRequest, session: Any, tab: str) -> dict[str, Any]:
    """What every page of a session shows in its header and tabs."""
    return {
        "session": session,
        "tab": tab,
        "is_committee": selectors.is_committee(request.user, session),
        "delegate": delegate_of(request.user, session),
        "window_open": session.window_open(timezone.localdate()),
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, selectors.VIEW):
        raise Http404
    sessions = YearUnitFilter(request.GET).narrow(selectors.session_list(request.user))
    if request.GET.get("held") == "1":  # the 工会统计年报's 召开职代会: a meeting date is set
        sessions = sessions.filter(meeting_date__isnull=False)
    context = {
        "sessions": list(sessions[:50]),
        "filtered": bool(request.GET),
        "may_create": access.has_anywhere(request.user, REVIEW),
        "is_handler": bool(handler_department_ids(request.user)),
        "my_motions": Motion.objects.filter(proposer__member__user=request.user)
        .exclude(status=MotionStatus.MERGED)
        .select_related("session")
        .order_by("-pk")[:10],
        "to_cosign": Motion.objects.filter(
            status=MotionStatus.COLLECTING,
            cosigners__delegate__member__user=request.user,
            cosigners__confirmed_at__isnull=True,
        ).select_related("proposer__member")[:10],
    }
    return render(request, "congress/index.html", context)


@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    units = access.units(request.user, REVIEW).filter(kind__in=["base", "upper"]).order_by("path")
    if not units.exists():
        raise Http404
    form = SessionForm(request.POST or None)
    unit_id = request.POST.get("org_unit") or units[0].pk
    if request.method == "POST" and form.is_valid():
        # A posted value that is not a number is no unit of ours (filter() would raise ValueError).
        unit = units.filter(pk=unit_id).first() if str(unit_id).isdecimal() else None
        if unit is None:
            raise Http404
        try:
            session = services.session_save(actor=request.user, org_unit=unit, values=form.cleaned_data)
        except services.CongressError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已建立%(title)s。") % {"title": session.title})
            return redirect("congress:session_detail", pk=session.pk)
    return render(request, "congress/session_form.html", {"form": form, "units": units, "session": None})


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    access.require(request.user, REVIEW, session.org_unit)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        services.session_save(
            actor=request.user, org_unit=session.org_unit, values=form.cleaned_data, session_id=session.pk
        )
        messages.success(request, _("届次设置已保存。"))
        return redirect("congress:session_detail", pk=pk)
    return render(request, "congress/session_form.html", {"form": form, "session": session})


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "overview")
    motions = selectors.motion_list(request.user, session)
    counts: dict[str, int] = {}
    for status in motions.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    context |= {
        "counts": [(label, counts.get(value, 0)) for value, label in MotionStatus.choices if counts.get(value)],
        "delegates": Delegate.objects.filter(session=session).count(),
        "is_member": member_of_session(request.user, session) is not None,
    }
    return render(request, "congress/session_detail.html", context)


@require_http_methods(["GET", "POST"])
@never_cache  # the delegates by name, unit and group
def delegates(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "delegates")
    if not context["is_committee"] and context["delegate"] is None:
        raise Http404
    form = DelegateImportForm(request.POST or None)
    if request.method == "POST":
        access.require(request.user, REVIEW, session.org_unit)
        if form.is_valid():
            try:
                created = services.delegates_import(
                    actor=request.user, session_id=session.pk, text=form.cleaned_data["text"]
                )
            except services.CongressError as exc:
                for message in exc.messages:
                    form.add_error("text", message)
            else:
                messages.success(request, _("已导入代表名单，新增 %(n)s 名。") % {"n": created})
                return redirect("congress:delegates", pk=pk)
    rows = Delegate.objects.filter(session=session).select_related("member__department", "member__org_unit")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context |= {"form": form, "page": page}
    return render(request, "congress/delegates.html", context)


@require_GET
def composition(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "composition")
    context["composition"] = selectors.composition(session)
    return render(request, "congress/composition.html", context)


@require_http_methods(["GET", "POST"])
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "suggestions")
    is_member = member_of_session(request.user, session) is not None
    form = SuggestionForm(request.POST or None)
    if request.method == "POST":
        if not is_member:
            raise PermissionDenied(_("只有本单位在册会员可以提出意见建议。"))
        if form.is_valid():
            services.suggestion_create(actor=request.user, session=session, **form.cleaned_data)
            messages.success(request, _("意见建议已提交，提案工作委员会将及时处理。"))
            return redirect("congress:suggestions", pk=pk)
    page = Paginator(selectors.suggestion_list(request.user, session), PAGE_SIZE).get_page(request.GET.get("page"))
    context |= {"form": form, "page": page, "is_member": is_member}
    return render(request, "congress/suggestions.html", context)


@require_http_methods(["GET", "POST"])
def suggestion_detail(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    suggestion = selectors.suggestion_get(request.user, session, suggestion_pk)
    context = session_context(request, session, "suggestions")
    adopt_form = AdoptForm(request.POST if request.POST.get("do") == "adopt" else None)
    answer_form = SuggestionAnswerForm(request.POST if request.POST.get("do") == "answer" else None)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "adopt" and adopt_form.is_valid():
                motion = services.suggestion_adopt(
                    actor=request.user, suggestion_id=suggestion.pk, category=adopt_form.cleaned_data["category"]
                )
                messages.success(request, _("已转为提案草稿，请补充建议与措施后征集附议。"))
                return redirect("congress:motion_edit", pk=motion.pk)
            if request.POST.get("do") == "answer" and answer_form.is_valid():
                services.suggestion_answer(
                    actor=request.user, suggestion_id=suggestion.pk, answer=answer_form.cleaned_data["answer"]
                )
                messages.success(request, _("处理意见已保存。"))
                return redirect("congress:suggestion_detail", pk=pk, suggestion_pk=suggestion.pk)
        except services.CongressError as exc:
            messages.error(request, " ".join(exc.messages))
    context |= {"suggestion": suggestion, "adopt_form": adopt_form, "answer_form": answer_form}
    return render(request, "congress/suggestion_detail.html", context)
