"""The departments page of the organisation (issue 21): the employer's 科室/部门 behind each 基层工会
the chair keeps, added, renamed, retired (撤销) and restored, and their 承办部门负责人 named. A
department is what members work in and what congress motions are handed to (交办). The writes are
members/organisation.py's services; these views read forms and show errors."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, organisation
from members.models import Department, Member, OrgUnit, Role, RoleGrant
from members.views.organisation import NAV, RenameForm, RevokeForm, done_or_again


class DepartmentAddForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("所属基层工会"), queryset=OrgUnit.objects.none(), empty_label=None)
    name = forms.CharField(label=gettext_lazy("部门名称"), max_length=100)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class HandlerForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("负责人（须已有登录账号）"), queryset=Member.objects.none())
    ends_on = forms.DateField(
        label=gettext_lazy("截止日期（可不填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=200)

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = (
            Member.objects.filter(
                org_unit__path__startswith=department.org_unit.path, user__isnull=False, status=Member.Status.ACTIVE
            )
            .select_related("org_unit")
            .order_by("org_unit__path", "name")
        )
        field.empty_label = _("- 请选择 -")
        field.label_from_instance = lambda m: f"{m.name}（{m.org_unit.name}）"


def _department(request: HttpRequest, pk: int) -> Department:
    """Visible to whoever reads the roster of its 基层工会 (404 otherwise); kept by `manage_roles` (403)."""
    department = access.get_visible_or_404(
        request.user, "members.view_member", Department.all_objects.select_related("org_unit"), pk=pk
    )
    access.require(request.user, organisation.MANAGE, department.org_unit)
    return department


def _units_or_404(request: HttpRequest):
    units = organisation.department_units(request.user)
    if not units.exists():
        raise Http404(_("没有找到该页面，或您无权查看。"))
    return units


@require_http_methods(["GET", "POST"])
def department_list(request: HttpRequest) -> HttpResponse:
    """Every department of the 基层工会 one keeps, retired ones last; and the form to add one."""
    units = _units_or_404(request)
    form = DepartmentAddForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                department = organisation.department_add(
                    actor=request.user, unit=form.cleaned_data["unit"], name=form.cleaned_data["name"]
                )
            except organisation.OrganisationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已新增部门“%(name)s”。") % {"name": department.name})
                return redirect("members:department_list")
        status = 400
    departments = (
        Department.all_objects.filter(org_unit__in=units)
        .select_related("org_unit")
        .order_by("org_unit__path", "archived_at", "name")
    )
    return render(
        request,
        "members/organisation/departments.html",
        {"departments": departments, "form": form, "nav_current": NAV},
        status=status,
    )


def _manage_context(department: Department, **forms_: forms.Form) -> dict:
    context = {
        "department": department,
        "handlers": RoleGrant.objects.filter(department=department, role=Role.HANDLER)
        .select_related("user")
        .order_by("user__username"),
        "rename_form": RenameForm(initial={"name": department.name}),
        "retire_form": RevokeForm(),
        "handler_form": HandlerForm(department=department),
        "nav_current": NAV,
    }
    context.update(forms_)
    return context


@require_GET
def department_manage(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    return render(request, "members/organisation/department.html", _manage_context(department))


def _done_or_again(request, department, form_name, form, action) -> HttpResponse:
    def again(form):
        return "members/organisation/department.html", _manage_context(department, **{form_name: form})

    return done_or_again(
        request, form, action, done=reverse("members:department_manage", args=[department.pk]), again=again
    )


@require_POST
def department_rename(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)

    def rename(data):
        organisation.department_rename(actor=request.user, department=department, name=data["name"])
        return _("已改名为“%(name)s”。") % {"name": data["name"]}

    return _done_or_again(request, department, "rename_form", RenameForm(request.POST), rename)


@require_POST
def department_retire(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)

    def retire(data):
        organisation.department_retire(actor=request.user, department=department, reason=data["reason"])
        return _("已撤销部门“%(name)s”：不再供选择，已有的记录不变。") % {"name": department.name}

    return _done_or_again(request, department, "retire_form", RevokeForm(request.POST), retire)


@require_POST
def department_restore(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    try:
        organisation.department_restore(actor=request.user, department=department)
    except organisation.OrganisationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已恢复部门“%(name)s”。") % {"name": department.name})
    return redirect("members:department_manage", department.pk)


@require_POST
def department_handler_add(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)

    def grant(data):
        organisation.role_grant(
            actor=request.user,
            unit=department.org_unit,
            user=data["member"].user,
            role=Role.HANDLER,
            department=department,
            ends_on=data["ends_on"],
            reason=data["reason"],
        )
        return _("已指定%(name)s为“%(department)s”的承办部门负责人。") % {
            "name": data["member"].name,
            "department": department.name,
        }

    form = HandlerForm(request.POST, department=department)
    return _done_or_again(request, department, "handler_form", form, grant)
