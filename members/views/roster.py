import hashlib
from dataclasses import dataclass
from html import escape
from math import ceil
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
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


# The list counts no further than this: a county's 100,000 members read "共 10000+ 条", and pages
# reach the first 10,000 (200 pages by name); the filters narrow the list further than paging would.
ROSTER_COUNT_CAP = 10_000


class CappedPage(Page):
    def end_index(self) -> int:
        # Page.end_index() returns paginator.count on the last page, which is cap + 1 once capped.
        return self.start_index() + len(self) - 1 if len(self) else 0


class CappedPaginator(Paginator):
    """A Paginator that never runs a full COUNT(*): it counts at most cap + 1 rows
    (selectors.roster_count) and, past the cap, offers the pages of the first `cap` rows."""

    def __init__(self, object_list, per_page: int, *, cap: int, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        if count is not None:  # counted already (the roster list keeps its count in the cache)
            self.__dict__["count"] = count

    @cached_property
    def count(self) -> int:
        return selectors.roster_count(self.object_list, cap=self.cap)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return max(1, ceil(min(self.count, self.cap) / self.per_page))

    def page(self, number) -> CappedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : min(bottom + self.per_page, self.cap)], number, self)

    def _get_page(self, *args, **kwargs) -> CappedPage:
        return CappedPage(*args, **kwargs)


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One line of the roster, read as values: only the columns the list shows (the masked
    number, never the cipher), labels looked up once per page. Fifty model instances with their
    unit and department, and a reverse() per row, were a third of the page's time."""

    pk: int
    name: str
    frontline: bool
    gender: str
    id_number_masked: str
    unit: str
    department: str
    joined_on: str  # 2015-03-01, or "" when unknown
    status: str
    url: str

    def __getitem__(self, name: str):
        # A template variable tries item access before attributes: answer it, rather than raise
        # and be asked again (~0.4 ms for 50 rows).
        return getattr(self, name)


ROW_COLUMNS = (
    "pk",
    "name",
    "frontline",
    "gender",
    "id_number_masked",
    "org_unit__name",
    "department__name",
    "joined_on",
    "status",
)
# reverse() once per page: the detail URL of each row is this one with the member's pk in place.
_URL_PK = 987654321


# One roster row. Its markup lives here rather than in member_list.html: fifty rows of eight
# template variables took ~2 ms a page, a tenth of it; formatted here they take ~0.2 ms. Every
# value goes through the standard library's escape() (what django.utils.html.escape wraps, without
# a SafeString per value); the labels are translated once per page (roster_rows_html).
ROW_HTML = (
    '<tr><td class="text-nowrap"><a href="{url}">{name}</a>{frontline}</td><td>{gender}</td>'
    '<td class="uo-id-number text-nowrap">{id_number_masked}</td><td>{unit}</td><td>{department}</td>'
    '<td class="text-nowrap">{joined_on}</td><td class="text-nowrap">{status}</td></tr>\n'
)


def roster_rows_html(rows: list[RosterRow]) -> SafeString:
    frontline = format_html(' <span class="badge text-bg-light">{}</span>', _("一线"))
    return mark_safe(  # every value below is escaped
        "".join(
            ROW_HTML.format(
                url=escape(row.url),
                name=escape(row.name),
                frontline=frontline if row.frontline else "",
                gender=escape(row.gender),
                id_number_masked=escape(row.id_number_masked),
                unit=escape(row.unit),
                department=escape(row.department or "—"),
                joined_on=escape(row.joined_on or "—"),
                status=escape(row.status),
            )
            for row in rows
        )
    )


def roster_rows(page_queryset, *, order: list[int] | None = None) -> list[RosterRow]:
    """The page's rows, in the queryset's order or, given `order`, in the order of those keys."""
    genders = {value: str(label) for value, label in Member.Gender.choices}
    statuses = {value: str(label) for value, label in Member.Status.choices}
    head, tail = reverse("members:member_detail", args=[_URL_PK]).split(str(_URL_PK))
    if order is not None:
        page_queryset = page_queryset.order_by()
    rows = [
        RosterRow(
            pk=pk,
            name=name,
            frontline=frontline,
            gender=genders.get(gender, ""),
            id_number_masked=masked,
            unit=unit,
            department=department or "",
            joined_on=joined_on.isoformat() if joined_on else "",
            status=statuses.get(status, status),
            url=f"{head}{pk}{tail}",
        )
        for pk, name, frontline, gender, masked, unit, department, joined_on, status in page_queryset.values_list(
            *ROW_COLUMNS
        )
    ]
    if order is not None:
        position = {pk: i for i, pk in enumerate(order)}
        rows.sort(key=lambda row: position[row.pk])
    return rows


@require_GET
@never_cache  # personal data: never kept in a shared browser or proxy cache
def member_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, "members.view_member"):
        # A plain member has no roster; their own record is one click away on the dashboard.
        return redirect("dashboard")
    # The list shows the masked number only: leave the cipher text in the database.
    scoped = selectors.member_list(request.user).defer("id_number_cipher", "id_number_hash")
    # Without a filter in the query (the plain list, page=…) the filter set stays unbound: no form is
    # built or validated unless the template's cached head has to be rendered.
    filtering = request.GET if MemberFilter.base_filters.keys() & request.GET.keys() else None
    member_filter = MemberFilter(filtering, queryset=scoped, request=request)
    # What is the same for everyone with the same scope, filters, day, language and versions of the
    # roster and its unit tree (members/stats.py) is made once and served from the cache until one
    # of them moves: the count, the statistics and their panel, and for a view of fewer than
    # selectors.SORTED_IN_QUERY_BELOW members the order of its members' keys, under `view_key`; the
    # head with the filters and the pager (they also show the page and the user's rights) under
    # `page_key`. One round trip to the cache for both. The rows are personal data: read on every
    # view (by key when the order is known), never cached.
    user = request.user
    query = urlencode(sorted((key, value) for key, value in request.GET.items() if key != "page"))
    cache_key = stats_cache_key(user, query, version=f"{member_filter.tree_version}|{member_filter.roster_version}")
    rights = {
        "can_change": access.has_anywhere(user, "members.change_member"),
        "can_export_full": access.has_anywhere(user, "members.view_full_id_number"),
    }
    page_digest = hashlib.sha256(f"{request.GET.urlencode()}|{sorted(rights.items())}".encode()).hexdigest()
    view_key, page_key = f"{cache_key}:view:{ROSTER_COUNT_CAP}", f"{cache_key}:page:{page_digest}"
    cached = cache.get_many([view_key, page_key])

    if view_key in cached:
        count, stats, stats_html, order = cached[view_key]
    else:
        members = member_filter.qs
        count = selectors.roster_count(members, cap=ROSTER_COUNT_CAP)
        order = selectors.roster_order_keys(members, count)
        # Statistics describe the members on the roll (在册) unless the user picked another status.
        status = member_filter.cleaned("status")
        stats = roster_stats(
            user,
            members if status else members.filter(status=Member.Status.ACTIVE),
            root=member_filter.cleaned("unit"),
        ).with_text_labels()
        status_label = Member.Status(status).label if status else Member.Status.ACTIVE.label
        stats_html = render_to_string(
            "members/member_list.html#roster-stats", {"stats": stats, "stats_status": status_label}, request
        )
        cache.set(view_key, (count, stats, str(stats_html), order), STATS_CACHE_SECONDS)

    if order is not None:
        # The page's keys in the view's order: its rows are read by key (still within the scope).
        paginator = CappedPaginator(order, PAGE_SIZE, cap=ROSTER_COUNT_CAP, count=count)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = roster_rows(scoped.filter(pk__in=page.object_list), order=page.object_list)
    else:
        paginator = CappedPaginator(
            selectors.roster_page_order(member_filter.qs, count), PAGE_SIZE, cap=ROSTER_COUNT_CAP, count=count
        )
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = roster_rows(page.object_list)

    if page_key in cached:
        head_html, pages_html = cached[page_key]
    else:
        parts = {"filter": member_filter, "form": member_filter.form, "page": page, **rights}
        head_html = render_to_string("members/member_list.html#roster-head", parts, request)
        pages_html = render_to_string("members/member_list.html#roster-pages", parts, request)
        cache.set(page_key, (str(head_html), str(pages_html)), STATS_CACHE_SECONDS)

    context = {
        "filter": member_filter,
        "page": page,
        "stats": stats,
        # Rendered by our templates (autoescape on) or, the rows, escaped value by value.
        "head_html": mark_safe(head_html),
        "rows_html": roster_rows_html(page.object_list),
        "pages_html": mark_safe(pages_html),
        "stats_html": mark_safe(stats_html),
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
