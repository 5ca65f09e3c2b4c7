"""Roster import pages: upload, the status page with its progress partial and preview, confirm,
the list of one's imports, and the template download. The work is in members/imports.py."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, imports
from members.models import OrgUnit
from union_office.jobs import JobStatus
from union_office.xlsx import xlsx_response

PERM = "members.change_member"
PAGE_SIZE = 20
# The preview lists this many errors; all of them (up to imports.MAX_STORED_ERRORS) are stored.
ERRORS_SHOWN = 200


class RosterUploadForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("导入到"),
        queryset=OrgUnit.objects.none(),
        empty_label=gettext_lazy("请选择单位"),
        help_text=gettext_lazy("文件中“所属工会”列须是这个单位或它下面的单位。"),
    )
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件，不超过 20 MB、20 万行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = access.units(user, PERM).order_by("path")


def _require_importer(user: Any) -> None:
    if not access.has_anywhere(user, PERM):
        raise PermissionDenied(_("您的角色没有维护会员花名册的权限，不能导入。"))


@require_GET
@never_cache
def import_list(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    page = Paginator(imports.roster_import_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/imports/import_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@never_cache
def import_new(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = imports.roster_import_create(
                actor=request.user, org_unit=form.cleaned_data["org_unit"], uploaded_file=form.cleaned_data["file"]
            )
        except imports.RosterImportError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("文件已上传。"))
            return redirect("members:import_detail", pk=roster_import.pk)
    return render(request, "members/imports/import_new.html", {"form": form})


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    roster_import = imports.roster_import_get(request.user, pk)
    return {
        "import": roster_import,
        "errors": roster_import.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(roster_import.errors) - ERRORS_SHOWN),
        "errors_capped": roster_import.invalid_count > 0 and len(roster_import.errors) >= imports.MAX_STORED_ERRORS,
        "committing": roster_import.status == "running" and roster_import.committed_at is not None,
    }


@require_GET
@never_cache
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "members/imports/import_detail.html", _detail_context(request, pk))


@require_GET
@never_cache
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status part of the page, polled every second while the import is queued or running."""
    return render(request, "members/imports/import_detail.html#status", _detail_context(request, pk))


@require_POST
@never_cache
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = imports.roster_import_get(request.user, pk)
    try:
        imports.roster_import_confirm(actor=request.user, import_id=roster_import.pk)
    except imports.RosterImportError as exc:
        messages.error(request, exc.messages[0])
    else:
        roster_import.refresh_from_db(fields=["status"])  # without a worker the commit has already run
        if roster_import.status == JobStatus.DONE:
            messages.success(request, _("已导入花名册。"))
        else:
            messages.success(request, _("已确认导入，正在写入花名册。"))
    return redirect("members:import_detail", pk=roster_import.pk)


@require_GET
@never_cache
def import_template(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    return xlsx_response(imports.roster_template_xlsx(user=request.user), _("会员花名册导入模板.xlsx"))
