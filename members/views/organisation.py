"""Organisation pages for the chair (and the county for its subtree): the unit tree with add,
rename, move and merge; role grants per unit with an end date and a reason; who holds what where.
The writes are members/organisation.py's services; these views only read forms and show errors."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from members import access, organisation
from members.models import Member, OrgUnit, Role, RoleGrant

# The navigation entry these pages belong to (members/apps.py), not the members app's 会员.
NAV = "organisation"
GRANTABLE = [(r.value, r.label) for r in Role if r not in (Role.MEMBER, Role.HANDLER)]


class UnitAddForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("层级"), choices=OrgUnit.Kind.choices)

    def __init__(self, *args, parent: OrgUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            # Only the kinds that may sit under this parent (a 小组 under a 分工会 …); the service checks again.
            self.fields["kind"].choices = [
                (kind.value, kind.label) for kind in OrgUnit.Kind if parent.kind in OrgUnit.ALLOWED_PARENTS[kind]
            ]


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("新名称"), max_length=100)


class UnitChoiceForm(forms.Form):
    target = forms.ModelChoiceField(label=gettext_lazy("单位"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = units
        self.fields["target"].empty_label = _("- 请选择 -")


class GrantForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("会员（须已有登录账号）"), queryset=Member.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=GRANTABLE)
    ends_on = forms.DateField(
        label=gettext_lazy("截止日期（可不填）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=200)

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.filter(org_unit__path__startswith=unit.path, user__isnull=False, status=Member.Status.ACTIVE)
            .select_related("org_unit")
            .order_by("org_unit__path", "name")
        )
        self.fields["member"].empty_label = _("- 请选择 -")
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.org_unit.name}）"


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤销理由"), max_length=200)


def _unit(request: HttpRequest, pk: int) -> OrgUnit:
    """Visible to whoever reads the roster there (404 otherwise); kept only by `manage_roles` (403)."""
    unit = access.get_visible_or_404(
        request.user, "members.view_member", OrgUnit.objects.select_related("parent"), "", pk=pk
    )
    access.require(request.user, organisation.MANAGE, unit)
    return unit


def _tree_or_404(request: HttpRequest):
    units = list(organisation.managed_units(request.user))
    if not units:
        raise Http404(_("没有找到该页面，或您无权查看。"))
    return units


@require_GET
def organisation_tree(request: HttpRequest) -> HttpResponse:
    units = _tree_or_404(request)
    top = min(u.depth for u in units)
    rows = [(u, u.depth - top) for u in units]
    return render(request, "members/organisation/tree.html", {"rows": rows, "nav_current": NAV})


def _unit_context(request: HttpRequest, unit: OrgUnit, **forms_: forms.Form) -> dict:
    managed = organisation.managed_units(request.user)
    context = {
        "unit": unit,
        "children": unit.children.all(),
        "grants": RoleGrant.objects.filter(org_unit=unit).select_related("user", "department").order_by("role"),
        "add_form": UnitAddForm(parent=unit),
        "rename_form": RenameForm(initial={"name": unit.name}),
        "move_form": UnitChoiceForm(units=managed.exclude(path__startswith=unit.path)),
        "merge_form": UnitChoiceForm(units=managed.filter(kind=unit.kind).exclude(path__startswith=unit.path)),
        "grant_form": GrantForm(unit=unit),
        "today": timezone.localdate(),
        "nav_current": NAV,
    }
    context.update(forms_)
    return context


@require_GET
def unit_manage(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    return render(request, "members/organisation/unit.html", _unit_context(request, unit))


def done_or_again(request, form, action, *, done, again) -> HttpResponse:
    """Run `action(cleaned_data)` for a valid form and redirect to `done` with its message; else show
    the page again (`again(form)`: its context) with the form's or the service's errors, status 400."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except organisation.OrganisationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, result)
            return redirect(done)
    template, context = again(form)
    return render(request, template, context, status=400)


def _done_or_again(request, unit, form_name, form, action) -> HttpResponse:
    def again(form):
        return "members/organisation/unit.html", _unit_context(request, unit, **{form_name: form})

    return done_or_again(request, form, action, done=reverse("members:organisation_unit", args=[unit.pk]), again=again)


@require_POST
def unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _unit(request, pk)

    def add(data):
        child = organisation.unit_add(actor=request.user, parent=parent, name=data["name"], kind=data["kind"])
        return _("已新增“%(name)s”。") % {"name": child.name}

    return _done_or_again(request, parent, "add_form", UnitAddForm(request.POST), add)


@require_POST
def unit_rename(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)

    def rename(data):
        organisation.unit_rename(actor=request.user, unit=unit, name=data["name"])
        return _("已改名为“%(name)s”。") % {"name": data["name"]}

    return _done_or_again(request, unit, "rename_form", RenameForm(request.POST), rename)


@require_POST
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = UnitChoiceForm(request.POST, units=organisation.managed_units(request.user))

    def move(data):
        organisation.unit_move(actor=request.user, unit=unit, parent=data["target"])
        return _("已移到“%(name)s”之下。") % {"name": data["target"].name}

    return _done_or_again(request, unit, "move_form", form, move)


@require_POST
def unit_merge(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = UnitChoiceForm(request.POST, units=organisation.managed_units(request.user))
    if form.is_valid():
        try:
            counts = organisation.unit_merge(actor=request.user, source=unit, target=form.cleaned_data["target"])
        except organisation.OrganisationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            target = form.cleaned_data["target"]
            messages.success(
                request,
                _("“%(source)s”已并入“%(target)s”：会员 %(members)d 人、下级单位 %(units)d 个随之转入。")
                % {"source": unit.name, "target": target.name, **counts},
            )
            return redirect("members:organisation_unit", target.pk)
    context = _unit_context(request, unit, merge_form=form)
    return render(request, "members/organisation/unit.html", context, status=400)


@require_POST
def grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)

    def grant(data):
        made = organisation.role_grant(
            actor=request.user,
            unit=unit,
            user=data["member"].user,
            role=data["role"],
            ends_on=data["ends_on"],
            reason=data["reason"],
        )
        return _("已授予%(name)s“%(role)s”角色。") % {"name": data["member"].name, "role": made.get_role_display()}

    return _done_or_again(request, unit, "grant_form", GrantForm(request.POST, unit=unit), grant)


@require_POST
def grant_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    grant = access.get_visible_or_404(
        request.user, organisation.MANAGE, RoleGrant.objects.filter(org_unit=unit), pk=grant_pk
    )
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销理由。"))
        return redirect("members:organisation_unit", unit.pk)
    organisation.role_revoke(actor=request.user, grant_id=grant.pk, reason=form.cleaned_data["reason"])
    messages.success(request, _("已撤销该角色。"))
    return redirect("members:organisation_unit", unit.pk)


@require_GET
def role_overview(request: HttpRequest) -> HttpResponse:
    _tree_or_404(request)
    grants = organisation.role_overview(request.user)
    return render(
        request,
        "members/organisation/roles.html",
        {"grants": grants, "today": timezone.localdate(), "nav_current": NAV},
    )
