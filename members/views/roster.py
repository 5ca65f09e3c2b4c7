from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, selectors, services
from members.filters import MemberFilter
from members.forms import MemberForm
from members.models import Member, RoleGrant
from union_office.models import AuditEntry

PAGE_SIZE = 50


@require_GET
@never_cache  # personal data: never kept in a shared browser or proxy cache
def member_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, "members.view_member"):
        # A plain member has no roster; their own record is one click away on the dashboard.
        return redirect("dashboard")
    member_filter = MemberFilter(request.GET, queryset=selectors.member_list(request.user), request=request)
    page = Paginator(member_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/member_list.html", {"form": member_filter.form, "page": page})


@require_GET
@never_cache
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    context = {
        "member": member,
        "can_edit": access.can(request.user, "members.change_member", member.org_unit),
        "can_reveal": access.can(request.user, "members.view_full_id_number", member.org_unit),
        "history": [
            (entry, entry.changed_field_labels(Member))
            for entry in AuditEntry.objects.filter(content_type__model="member", object_id=str(member.pk))[:20]
        ],
    }
    return render(request, "members/member_detail.html", context)


@require_POST
@never_cache
def member_reveal_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    number = services.member_reveal_id_number(actor=request.user, member=member)
    return render(request, "members/member_detail.html#id_number", {"member": member, "full_id_number": number})


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
        "grants": RoleGrant.objects.filter(org_unit=unit).select_related("user", "department"),
    }
    return render(request, "members/unit_detail.html", context)
