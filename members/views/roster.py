from dataclasses import dataclass
from html import escape
from math import ceil
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, selectors, services
from members.filters import MemberFilter
from members.forms import MemberForm
from members.models import Member, RoleGrant
from members.stats import STATS_CACHE_SECONDS, RosterStats, roster_stats, stats_cache_key
from union_office.models import AuditEntry

PAGE_SIZE = 50


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

    def __init__(self, object_list, per_page: int, *, cap: int, cache_key: str = "") -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.cache_key = cache_key

    @cached_property
    def count(self) -> int:
        # Counting to the cap reads cap + 1 rows (a county: 10,001, ~5 ms of PostgreSQL on every
        # page). The count is kept under the key of the view's statistics, which names the
        # roster's version: it is counted again once the roster changes.
        if self.cache_key and (count := cache.get(self.cache_key)) is not None:
            return count
        count = selectors.roster_count(self.object_list, cap=self.cap)
        if self.cache_key:
            cache.set(self.cache_key, count, STATS_CACHE_SECONDS)
        return count

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


def stats_panel_html(request: HttpRequest, stats: RosterStats, status_label: str, cache_key: str) -> SafeString:
    """The statistics panel, rendered once per cache key of the statistics (the same scope,
    filters, day, language and versions): it holds counts and unit names, nobody's own data."""
    key = f"{cache_key}:html"
    html = cache.get(key)
    if html is None:
        context = {"stats": stats, "stats_status": status_label}
        html = render_to_string("members/member_list.html#roster-stats", context, request)
        cache.set(key, str(html), STATS_CACHE_SECONDS)
    return mark_safe(html)  # rendered by our template, autoescape on


def roster_rows(page_queryset) -> list[RosterRow]:
    genders = {value: str(label) for value, label in Member.Gender.choices}
    statuses = {value: str(label) for value, label in Member.Status.choices}
    head, tail = reverse("members:member_detail", args=[_URL_PK]).split(str(_URL_PK))
    return [
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


@require_GET
@never_cache  # personal data: never kept in a shared browser or proxy cache
def member_list(request: HttpRequest) -> HttpResponse:
    if not access.has_anywhere(request.user, "members.view_member"):
        # A plain member has no roster; their own record is one click away on the dashboard.
        return redirect("dashboard")
    # The list shows the masked number only: leave the cipher text in the database.
    members = selectors.member_list(request.user).defer("id_number_cipher", "id_number_hash")
    # Without a filter in the query (the plain list, page=…) the filter set stays unbound: no form is
    # built or validated unless the template's cached head has to be rendered.
    filtering = request.GET if MemberFilter.base_filters.keys() & request.GET.keys() else None
    member_filter = MemberFilter(filtering, queryset=members, request=request)
    members = member_filter.qs
    # The count and the statistics are counted once per scope, filters, day, language and version
    # of the roster and its unit tree (members/stats.py), and served from the cache until one moves.
    query = urlencode(sorted((key, value) for key, value in request.GET.items() if key != "page"))
    version = f"{member_filter.tree_version}|{member_filter.roster_version}"
    cache_key = stats_cache_key(request.user, query, version=version)
    paginator = CappedPaginator(
        members, PAGE_SIZE, cap=ROSTER_COUNT_CAP, cache_key=f"{cache_key}:count:{ROSTER_COUNT_CAP}"
    )
    paginator.object_list = selectors.roster_page_order(members, paginator.count)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = roster_rows(page.object_list)
    # Statistics describe the members on the roll (在册) unless the user picked another status.
    # Past the count cap they read as many rows as the full COUNT the paginator avoids.
    status = member_filter.cleaned("status")
    stats = roster_stats(
        request.user,
        members if status else members.filter(status=Member.Status.ACTIVE),
        root=member_filter.cleaned("unit"),
        cache_key=cache_key,
    )
    status_label = str(Member.Status(status).label if status else Member.Status.ACTIVE.label)
    context = {
        # The template caches its head, filters and pager under this (with the user's rights): the
        # statistics' key names scope, filters, day, language and versions; the page adds the rest.
        "fragment_key": f"{cache_key}|{request.GET.urlencode()}",
        "stats_cache_seconds": STATS_CACHE_SECONDS,
        "filter": member_filter,
        "form": SimpleLazyObject(lambda: member_filter.form),
        "page": page,
        "rows_html": roster_rows_html(page.object_list),
        "stats": stats,
        "stats_html": stats_panel_html(request, stats, status_label, cache_key),
        "can_change": access.has_anywhere(request.user, "members.change_member"),
        "can_export_full": access.has_anywhere(request.user, "members.view_full_id_number"),
    }
    return render(request, "members/member_list.html", context)


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
