"""Ballots: creating, opening and closing them (committee), voting (delegates), results."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members import access

from .. import selectors, services
from ..forms import BallotForm, VoteForm
from ..models import Ballot, BallotStatus
from ..services.common import REVIEW
from .sessions import session_context


@require_http_methods(["GET", "POST"])
def ballots(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(request.user, pk)
    context = session_context(request, session, "ballots")
    form = BallotForm(request.POST or None, session=session)
    if request.method == "POST":
        access.require(request.user, REVIEW, session.org_unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ballot = services.ballot_create(
                    actor=request.user,
                    session=session,
                    title=data["title"],
                    kind=data["kind"],
                    secret=data["secret"],
                    items=data["items"].splitlines(),
                    motion_id=data["motion"].pk if data["motion"] else None,
                )
            except services.CongressError as exc:
                form.add_error("items", exc)
            else:
                messages.success(request, _("已建立表决，开始投票前可核对事项。"))
                return redirect("congress:ballot_detail", pk=ballot.pk)
    context |= {"ballots": Ballot.objects.filter(session=session).order_by("-pk"), "form": form}
    return render(request, "congress/ballots.html", context)


def _ballot_get(request: HttpRequest, pk: int) -> Ballot:
    ballot = get_object_or_404(Ballot.objects.select_related("session", "motion__session"), pk=pk)
    selectors.session_get(request.user, ballot.session_id)  # 404 outside the unit
    return ballot


@require_http_methods(["GET", "POST"])
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot_get(request, pk)
    context = session_context(request, ballot.session, "ballots")
    voted = selectors.has_voted(request.user, ballot)
    form = None
    if context["delegate"] is not None and ballot.status == BallotStatus.OPEN and not voted:
        form = VoteForm(request.POST or None, ballot=ballot)
    if request.method == "POST":
        if form is None:
            if context["delegate"] is None:
                raise PermissionDenied(_("只有本届职工代表可以投票。"))
            messages.error(request, _("您已经投过票了，每位代表只能投一次。") if voted else _("该表决不在投票时间内。"))
            return redirect("congress:ballot_detail", pk=pk)
        if form.is_valid():
            try:
                services.ballot_cast(actor=request.user, ballot_id=ballot.pk, choices=form.choices())
            except services.CongressError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("投票成功。表决结束后公布结果。"))
            return redirect("congress:ballot_detail", pk=pk)
    context |= {
        "ballot": ballot,
        "items": list(ballot.items.all()),
        "form": form,
        "voted": voted,
        "result": selectors.ballot_result(ballot),
        "voters": ballot.voters.count(),
    }
    return render(request, "congress/ballot_detail.html", context)


@require_POST
def ballot_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ballot = _ballot_get(request, pk)
    service = {"open": services.ballot_open, "close": services.ballot_close}.get(action)
    if service is None:
        raise PermissionDenied
    try:
        service(actor=request.user, ballot_id=ballot.pk)
    except services.CongressError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("投票已开始。") if action == "open" else _("投票已结束，结果如下。"))
    return redirect("congress:ballot_detail", pk=pk)
