from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, selectors, services
from members.filters import MemberFilter
from members.forms import MemberForm
from members.models import Member, RoleGrant
from members.stats import STATS_CACHE_SECONDS, roster_stats, stats_cache_key
from union_office.accounts.enrolment import CODE_LIFETIME, enrolment_code_issue
from union_office.accounts.throttles import throttle_per_user
from union_office.audit import audit_read
from union_office.models import AuditEntry

PAGE_SIZE = 50
# Opening a member's record with the full birth date and phone: a read entry, not history.
MEMBER_READ = "member.read"


@require_GET
@never_cache  # personal data: never kept in a shared browser or proxy cache
def member_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, "members.view_member"):
        # A plain member has no roster; their own record is one click away on the dashboard.
        return redirect("dashboard")
    user = request.user
    member_filter = MemberFilter(request.GET or None, queryset=selectors.member_list(user), request=request)
    members = member_filter.qs
    # The count and the statistics (a GROUP BY over every member of the view) are the same for
    # everyone with the same scope, filters, day and roster version (members/stats.py): kept in the
    # cache until one of them moves. The rows are personal data: read on every view, never cached.
    query = urlencode(sorted((key, value) for key, value in request.GET.items() if key != "page"))
    version = f"{member_filter.tree_version}|{member_filter.roster_version}"
    view_key = f"{stats_cache_key(user, query, version=version)}:view"
    cached = cache.get(view_key)
    if cached is None:
        count = selectors.roster_count(members, cap=selectors.ROSTER_COUNT_CAP)
        # Statistics describe the members on the roll (在册) unless the user picked another status.
        status = member_filter.cleaned("status")
        stats = roster_stats(
            user,
            members if status else members.filter(status=Member.Status.ACTIVE),
            root=member_filter.cleaned("unit"),
        ).with_text_labels()
        cached = (count, stats, Member.Status(status).label if status else Member.Status.ACTIVE.label)
        cache.set(view_key, cached, STATS_CACHE_SECONDS)
    count, stats, stats_status = cached
    context = {
        "filter": member_filter,
        "form": member_filter.form,
        "page": selectors.roster_page(members, request.GET.get("page"), count=count, per_page=PAGE_SIZE),
        "stats": stats,
        "stats_status": stats_status,
        "can_change": access.has_anywhere(user, "members.change_member"),
        "can_export_full": access.has_anywhere(user, "members.view_full_id_number"),
    }
    return render(request, "members/member_list.html", context)


@require_GET
@never_cache
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    phone_in_full = access.can(request.user, "members.view_phone", member.org_unit)
    if member.user_id != request.user.pk and (
        phone_in_full or access.can(request.user, "members.view_full_id_number", member.org_unit)
    ):
        # The full birth date and phone are on the page (issue 17, finding 6): who opened whose record.
        audit_read(actor=request.user, action=MEMBER_READ, obj=member)
    member.phone = access.phone_shown(request.user, member)  # shown, never saved
    context = {
        "member": member,
        "can_edit": access.can(request.user, "members.change_member", member.org_unit),
        "can_reveal": access.can(request.user, "members.view_full_id_number", member.org_unit),
        "can_issue_code": member.user_id is not None
        and access.can(request.user, "members.manage_roles", member.org_unit),
        "history": [
            (entry, entry.changed_field_labels(Member))
            for entry in AuditEntry.objects.filter(content_type__model="member", object_id=str(member.pk)).exclude(
                action=MEMBER_READ
            )[:20]
        ],
    }
    return render(request, "members/member_detail.html", context)


@require_POST
@never_cache
@throttle_per_user("THROTTLE_ID_REVEALS", group="id-reveal")
def member_reveal_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    number = services.member_reveal_id_number(actor=request.user, member=member)
    return render(request, "members/member_detail.html#id_number", {"member": member, "full_id_number": number})


@require_POST
@never_cache
def member_two_factor_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's chair issues the member's login a one-time code for binding an authenticator."""
    member = selectors.member_get(request.user, pk)
    access.require(request.user, "members.manage_roles", member.org_unit)
    if member.user_id is None:
        raise Http404
    code = enrolment_code_issue(actor=request.user, user=member.user)
    context = {"member": member, "code": code, "days": CODE_LIFETIME.days}
    return render(request, "members/two_factor_code.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    access.require(request.user, "members.change_member", member.org_unit)
    form = MemberForm(request.POST or None, instance=member, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user,
                member_id=member.pk,
                data={name: form.cleaned_data[name] for name in form.changed_data},
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存“%(name)s”的会员信息。") % {"name": form.cleaned_data["name"]})
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": member})


@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    units = selectors.roster_units(request.user).select_related("parent")
    if not units:
        return redirect("dashboard")
    return render(request, "members/unit_list.html", {"units": units})


@require_GET
@never_cache
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_get(request.user, pk)
    members = selectors.member_list(request.user, unit=unit, status=Member.Status.ACTIVE)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "children": unit.children.all(),
        "page": page,
        "grants": RoleGrant.objects.current().filter(org_unit=unit).select_related("user", "department"),
        "can_create_logins": access.can(request.user, "members.change_member", unit),
    }
    return render(request, "members/unit_detail.html", context)
