"""Every form class of the project, fed hostile data directly (issue 9): is_valid() never raises, and
what a form accepts fits the columns it is saved into.

The second half matters on PostgreSQL: a value the form lets through but the column cannot hold (a
string past max_length, an amount past max_digits, a count past the integer range) is a 500 with
DataError there, while SQLite stores it silently. So the check uses PostgreSQL's integer ranges
whatever the test database is.

Forms are discovered by importing every module of every app: a new form class fails
test_every_form_class_is_listed until it gets an entry in CASES (how to build it, and where its
values are saved when it is not a ModelForm).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.forms.models import BaseModelForm
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from congress import services as congress_services
from congress.tests.builders import make_delegate, make_session, motion_draft
from finance.reports import REPORTS
from members.membership import TRANSITIONS, Kind
from members.models import OrgUnit
from plans.models import Plan

from . import strategies as hostile

APPS = ["union_office", "members", "finance", "welfare", "activities", "congress", "plans"]
# The server entry points start the app when imported (and check the field keys against the
# database, union_office/crypto.py): they hold no form.
ENTRY_POINTS = {"union_office.asgi", "union_office.wsgi"}
# PostgreSQL's ranges (what CI runs on), whatever the test database is.
INT_RANGES = BaseDatabaseOperations.integer_field_ranges


def discover_form_classes() -> dict[str, type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if {"tests", "migrations"} & set(module.name.split(".")) or module.name in ENTRY_POINTS:
                continue
            importlib.import_module(module.name)

    found: dict[str, type[forms.BaseForm]] = {}
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub
    return found


@dataclass
class Case:
    # (context, data, files) -> the bound form, built as its view builds it.
    build: Callable[[SimpleNamespace, Any, Any], forms.BaseForm] | None
    # Plain forms: field -> "app.Model.field" the cleaned value is saved into. ModelForms: automatic.
    targets: dict[str, str] = field(default_factory=dict)
    # Extra check of cleaned_data for values a service takes apart (lines of a textarea ...).
    check: Callable[[dict[str, Any]], None] | None = None
    # A base class never used on its own (no fields, or a subclass is what views build).
    why_not: str = ""
    # Field -> strategy, where the generic one per field kind would rarely reach the parsing.
    values: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)


def _family_fits(cleaned: dict[str, Any]) -> None:
    for person in cleaned.get("family") or []:
        for name in ("name", "relation", "occupation", "health", "birth_year"):
            _assert_fits("welfare.FamilyMember." + name, person[name])
        _assert_fits("welfare.FamilyMember.monthly_income", Decimal(person["monthly_income"]))


# 家庭成员 lines: "姓名，关系，出生年份，职业/就学，月收入，健康状况", each part hostile.
family_lines = st.lists(
    st.tuples(
        hostile.storable_text(),
        hostile.storable_text(),
        st.sampled_from(["", "1980", "0", "99999"]),
        hostile.storable_text(),
        st.one_of(hostile.amounts(), st.sampled_from(["1e30", "nan", "inf", "-0", "1e-9"])),
        hostile.storable_text(),
    ).map(lambda parts: "，".join(p.replace("\n", " ").replace("\r", " ").replace(",", " ") for p in parts)),
    min_size=1,
    max_size=3,
).map("\n".join)


def _base(reason: str) -> Case:
    return Case(build=None, why_not=reason)


CASES: dict[str, Case] = {
    # union_office
    "union_office.accounts.forms.TokenForm": Case(lambda c, d, f: _import("union_office.accounts.forms").TokenForm(d)),
    "union_office.accounts.forms.EnrolForm": Case(lambda c, d, f: _import("union_office.accounts.forms").EnrolForm(d)),
    "union_office.accounts.forms.DisableForm": Case(
        lambda c, d, f: _import("union_office.accounts.forms").DisableForm(c.chair, d)
    ),
    # The reason of a rule's removal goes into the rule's history, cut to REASON_MAX.
    "union_office.history.ReasonForm": Case(lambda c, d, f: _import("union_office.history").ReasonForm(d)),
    # activities (the views' own forms)
    "activities.views.member_attendance.PeriodForm": Case(
        lambda c, d, f: _import("activities.views.member_attendance").PeriodForm(d)
    ),
    # members
    "members.forms.MemberForm": Case(lambda c, d, f: _import("members.forms").MemberForm(d, user=c.chair)),
    "members.membership.forms.MemberCreateForm": Case(
        lambda c, d, f: _import("members.membership.forms").MemberCreateForm(d, user=c.chair)
    ),
    "members.membership.forms.JoinApplyForm": Case(
        lambda c, d, f: _import("members.membership.forms").JoinApplyForm(d),
        {"name": "members.Member.name", "phone": "members.Member.phone", "reason": "members.MembershipChange.reason"},
    ),
    "members.membership.forms.TransferInForm": Case(
        lambda c, d, f: _import("members.membership.forms").TransferInForm(d, user=c.chair),
        {
            "name": "members.Member.name",
            "phone": "members.Member.phone",
            "external_unit": "members.MembershipChange.external_unit",
            "reason": "members.MembershipChange.reason",
        },
    ),
    "members.membership.forms.ChangeRequestForm": Case(
        lambda c, d, f: _import("members.membership.forms").ChangeRequestForm(
            d, transition=TRANSITIONS[Kind.TRANSFER_IN], member=c.member, user=c.chair
        ),
        {"external_unit": "members.MembershipChange.external_unit", "reason": "members.MembershipChange.reason"},
    ),
    "members.views.imports.RosterUploadForm": Case(
        lambda c, d, f: _import("members.views.imports").RosterUploadForm(d, f, user=c.chair)
    ),
    "members.views.logins.LoginCreateForm": Case(
        lambda c, d, f: _import("members.views.logins").LoginCreateForm(
            d, candidates=_import("members.models").Member.objects.filter(org_unit__in=c.units)
        )
    ),
    "members.views.organisation.UnitAddForm": Case(
        lambda c, d, f: _import("members.views.organisation").UnitAddForm(d), {"name": "members.OrgUnit.name"}
    ),
    "members.views.organisation.RenameForm": Case(
        lambda c, d, f: _import("members.views.organisation").RenameForm(d), {"name": "members.OrgUnit.name"}
    ),
    "members.views.organisation.UnitChoiceForm": Case(
        lambda c, d, f: _import("members.views.organisation").UnitChoiceForm(d, units=c.units)
    ),
    "members.views.departments.DepartmentAddForm": Case(
        lambda c, d, f: _import("members.views.departments").DepartmentAddForm(d, units=c.units),
        {"name": "members.Department.name"},
    ),
    "members.views.departments.HandlerForm": Case(
        lambda c, d, f: _import("members.views.departments").HandlerForm(d, department=c.departments[0]),
        {"ends_on": "members.RoleGrant.ends_on"},
    ),
    "members.views.contact.ContactForm": Case(
        lambda c, d, f: _import("members.views.contact").ContactForm(d),
        {"phone": "members.ContactCorrection.phone"},
    ),
    # The reason goes into the audit entry's JSON only (no column to fit).
    "members.views.organisation.GrantForm": Case(
        lambda c, d, f: _import("members.views.organisation").GrantForm(d, unit=c.units.first())
    ),
    "members.views.organisation.RevokeForm": Case(lambda c, d, f: _import("members.views.organisation").RevokeForm(d)),
    # finance
    "finance.forms.EntryForm": Case(
        lambda c, d, f: _import("finance.forms").EntryForm(d, units=c.units),
        {
            "amount": "finance.LedgerEntry.amount",
            "summary": "finance.LedgerEntry.summary",
            "counterparty": "finance.LedgerEntry.counterparty",
        },
    ),
    "finance.forms.ReverseForm": Case(lambda c, d, f: _import("finance.forms").ReverseForm(d)),
    "finance.forms.UnitYearForm": Case(
        lambda c, d, f: _import("finance.forms").UnitYearForm(d, units=c.units, years=[2025, 2026])
    ),
    "finance.forms.MonthForm": Case(
        lambda c, d, f: _import("finance.forms").MonthForm(d, units=c.units, years=[2025, 2026])
    ),
    "finance.forms.BudgetCreateForm": Case(
        lambda c, d, f: _import("finance.forms").BudgetCreateForm(d, units=c.units), {"year": "finance.Budget.year"}
    ),
    "finance.forms.AdjustmentForm": Case(
        lambda c, d, f: _import("finance.forms").AdjustmentForm(d),
        {"amount": "finance.BudgetAdjustment.amount", "reason": "finance.BudgetAdjustment.reason"},
    ),
    # The amount is text the service parses (finance/services/ledger.py: opening_balance_record).
    "finance.forms.OpeningBalanceForm": Case(
        lambda c, d, f: _import("finance.forms").OpeningBalanceForm(d, units=c.units),
        {"year": "finance.OpeningBalance.year"},
    ),
    "finance.reports.forms.ReportForm": Case(
        lambda c, d, f: _import("finance.reports.forms").ReportForm(
            d, spec=c.report_spec, units=c.units, years=[2025, 2026]
        )
    ),
    # welfare
    "welfare.forms.VisitRuleForm": Case(
        lambda c, d, f: _import("welfare.forms").VisitRuleForm(d),
        {"max_per_visit": "welfare.VisitRule.max_per_visit", "max_per_year": "welfare.VisitRule.max_per_year"},
    ),
    "welfare.forms.StyledForm": _base("no fields: the base of welfare's forms"),
    "welfare.forms.MemberByIdForm": _base("the id_number field of AidForm, FileForm and VisitForm"),
    "welfare.forms.AidForm": Case(
        lambda c, d, f: _import("welfare.forms").AidForm(d, f, entering_for_others=True),
        {"amount_requested": "welfare.AidApplication.amount_requested", "reason": "welfare.AidApplication.reason"},
    ),
    "welfare.forms.FileForm": Case(
        lambda c, d, f: _import("welfare.forms").FileForm(d, f),
        {"monthly_income": "welfare.HardshipFile.monthly_income", "situation": "welfare.HardshipFile.situation"},
        check=_family_fits,
        values={"family": family_lines},
    ),
    "welfare.forms.VisitForm": Case(
        lambda c, d, f: _import("welfare.forms").VisitForm(d),
        {
            "cause": "welfare.Visit.cause",
            "amount": "welfare.Visit.amount",
            "gift": "welfare.Visit.gift",
            "visitors": "welfare.Visit.visitors",
            "note": "welfare.Visit.note",
        },
    ),
    "welfare.forms.UploadForm": Case(
        lambda c, d, f: _import("welfare.forms").UploadForm(d, f), {"label": "welfare.Attachment.label"}
    ),
    "welfare.forms.ActForm": Case(
        lambda c, d, f: _import("welfare.forms").ActForm(d),
        {
            "comment": "welfare.AidStep.comment",
            "visitors": "welfare.AidApplication.visitors",
            "findings": "welfare.AidApplication.findings",
            "amount_granted": "welfare.AidApplication.amount_granted",
        },
    ),
    "welfare.forms.ObjectionForm": Case(
        lambda c, d, f: _import("welfare.forms").ObjectionForm(d), {"text": "welfare.Objection.text"}
    ),
    "welfare.forms.ResolveForm": Case(
        lambda c, d, f: _import("welfare.forms").ResolveForm(d), {"resolution": "welfare.Objection.resolution"}
    ),
    "welfare.forms.AidFilter": Case(lambda c, d, f: _import("welfare.forms").AidFilter(d)),
    "welfare.forms.StudentFilter": Case(lambda c, d, f: _import("welfare.forms").StudentFilter(d)),
    "welfare.forms.ReviewForm": Case(
        lambda c, d, f: _import("welfare.forms").ReviewForm(d), {"note": "welfare.FileEvent.note"}
    ),
    "welfare.forms.CloseForm": Case(
        lambda c, d, f: _import("welfare.forms").CloseForm(d), {"reason": "welfare.HardshipFile.closed_reason"}
    ),
    "welfare.views.campaign.CampaignSetupForm": Case(
        lambda c, d, f: _import("welfare.views.campaign").CampaignSetupForm(d, units=c.units),
        {"title": "welfare.Campaign.title", "year": "welfare.Campaign.year"},
    ),
    "welfare.views.campaign.StudentForm": Case(
        lambda c, d, f: _import("welfare.views.campaign").StudentForm(
            d,
            f,
            campaign=_import("welfare.models").Campaign(
                required_documents=["书面申请", {"label": "扶贫手册", "applicant_types": ["migrant"]}]
            ),
        ),
        {
            "student_name": "welfare.StudentApplication.student_name",
            "school": "welfare.StudentApplication.school",
            "admission": "welfare.StudentApplication.admission",
            "reason": "welfare.StudentApplication.reason",
        },
    ),
    "welfare.views.campaign.HomeVisitForm": Case(
        lambda c, d, f: _import("welfare.views.campaign").HomeVisitForm(d),
        {"visitors": "welfare.StudentApplication.visitors", "findings": "welfare.StudentApplication.visit_findings"},
    ),
    # activities
    "activities.forms.EventForm": Case(lambda c, d, f: _import("activities.forms").EventForm(d, units=c.units)),
    "activities.forms.SubEventForm": Case(
        lambda c, d, f: _import("activities.forms").SubEventForm(d),
        {"name": "activities.SubEvent.name", "capacity": "activities.SubEvent.capacity"},
    ),
    "activities.forms.ResultForm": Case(
        lambda c, d, f: _import("activities.forms").ResultForm(d),
        {"result": "activities.SubEventEntry.result", "rank": "activities.SubEventEntry.rank"},
    ),
    "activities.forms.CancelForm": Case(
        lambda c, d, f: _import("activities.forms").CancelForm(d), {"reason": "activities.Event.cancel_reason"}
    ),
    "activities.forms.ExpenseForm": Case(
        lambda c, d, f: _import("activities.forms").ExpenseForm(d),
        {"amount": "activities.EventExpense.amount", "summary": "activities.EventExpense.summary"},
    ),
    "activities.forms.ScheduleForm": Case(lambda c, d, f: _import("activities.forms").ScheduleForm(d, units=c.units)),
    "activities.forms.SkipForm": Case(
        lambda c, d, f: _import("activities.forms").SkipForm(d), {"reason": "activities.ScheduleException.reason"}
    ),
    "activities.forms.GroupForm": Case(
        lambda c, d, f: _import("activities.forms").GroupForm(d, units=c.units),
        {"name": "activities.InterestGroup.name", "description": "activities.InterestGroup.description"},
    ),
    "activities.forms.GroupPlanForm": Case(lambda c, d, f: _import("activities.forms").GroupPlanForm(d)),
    "activities.forms.DecisionForm": Case(
        lambda c, d, f: _import("activities.forms").DecisionForm(d),
        {"budget_approved": "activities.GroupPlan.budget_approved", "note": "activities.GroupPlan.decision_note"},
    ),
    "activities.forms.PolicyRuleForm": Case(
        lambda c, d, f: _import("activities.forms").PolicyRuleForm(d, units=c.units)
    ),
    "activities.forms.PolicyRuleEditForm": Case(
        lambda c, d, f: _import("activities.forms").PolicyRuleEditForm(
            d, instance=_import("activities.models").PolicyRule(rule="max_per_person_day")
        )
    ),
    # congress
    "congress.forms.StyledForm": _base("no fields: the base of congress's forms"),
    "congress.forms.YearUnitFilter": Case(lambda c, d, f: _import("congress.forms").YearUnitFilter(d)),
    "congress.forms.SessionForm": Case(lambda c, d, f: _import("congress.forms").SessionForm(d)),
    "congress.forms.DelegateImportForm": Case(lambda c, d, f: _import("congress.forms").DelegateImportForm(d)),
    "congress.forms.SuggestionForm": Case(
        lambda c, d, f: _import("congress.forms").SuggestionForm(d),
        {"title": "congress.Suggestion.title", "content": "congress.Suggestion.content"},
    ),
    "congress.forms.SuggestionAnswerForm": Case(
        lambda c, d, f: _import("congress.forms").SuggestionAnswerForm(d), {"answer": "congress.Suggestion.answer"}
    ),
    "congress.forms.AdoptForm": Case(
        lambda c, d, f: _import("congress.forms").AdoptForm(d), {"category": "congress.Motion.category"}
    ),
    "congress.forms.MotionForm": Case(lambda c, d, f: _import("congress.forms").MotionForm(d, f)),
    "congress.forms.InviteForm": Case(lambda c, d, f: _import("congress.forms").InviteForm(d, motion=c.motion)),
    "congress.forms.RejectForm": Case(
        lambda c, d, f: _import("congress.forms").RejectForm(d),
        {"reason": "congress.Motion.rejection_reason", "note": "congress.Motion.rejection_note"},
    ),
    "congress.forms.MergeForm": Case(
        lambda c, d, f: _import("congress.forms").MergeForm(d, motion=c.motion, candidates=c.motions)
    ),
    "congress.forms.AssignForm": Case(lambda c, d, f: _import("congress.forms").AssignForm(d, motion=c.motion)),
    "congress.forms.ReplyForm": Case(
        lambda c, d, f: _import("congress.forms").ReplyForm(d, f, departments=c.departments),
        {"text": "congress.MotionReply.text"},
    ),
    "congress.forms.RateForm": Case(
        lambda c, d, f: _import("congress.forms").RateForm(d),
        {"rating": "congress.MotionEvaluation.rating", "comment": "congress.MotionEvaluation.comment"},
    ),
    "congress.forms.FlagsForm": Case(lambda c, d, f: _import("congress.forms").FlagsForm(d)),
    "congress.forms.BallotForm": Case(
        lambda c, d, f: _import("congress.forms").BallotForm(d, session=c.session),
        {"title": "congress.Ballot.title", "kind": "congress.Ballot.kind"},
    ),
    "congress.forms.VoteForm": Case(lambda c, d, f: _import("congress.forms").VoteForm(d, ballot=c.ballot)),
    # plans
    "plans.views.editor.starting._StartForm": _base("the unit and year of PlanCreateForm, PlanCopyForm, PasteForm"),
    "plans.views.editor.starting.PlanCreateForm": Case(
        lambda c, d, f: _import("plans.views.editor.starting").PlanCreateForm(d, user=c.chair),
        {"title": "plans.Plan.title", "year": "plans.Plan.year"},
    ),
    "plans.views.editor.starting.PlanCopyForm": Case(
        lambda c, d, f: _import("plans.views.editor.starting").PlanCopyForm(d, user=c.chair),
        {"year": "plans.Plan.year"},
    ),
    "plans.views.editor.starting.PasteForm": Case(
        lambda c, d, f: _import("plans.views.editor.starting").PasteForm(d, user=c.chair),
        {"title": "plans.Plan.title", "year": "plans.Plan.year"},
    ),
    "plans.views.plans.ProgressForm": Case(
        lambda c, d, f: _import("plans.views.plans").ProgressForm(d),
        {"status": "plans.Item.status", "progress_note": "plans.Item.progress_note"},
    ),
}


def _import(name: str) -> Any:
    return importlib.import_module(name)


def _model_field(target: str) -> models.Field:
    app_label, model_name, field_name = target.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(field_name)


def _assert_fits(target: str | models.Field, value: Any, *, integer_range: bool = True) -> None:
    """The value can be stored in the column without a DataError on PostgreSQL."""
    model_field = _model_field(target) if isinstance(target, str) else target
    name = f"{model_field.model._meta.label}.{model_field.name}"
    if value is None or value == "":
        return
    if isinstance(model_field, models.CharField) and model_field.max_length:
        assert len(str(value)) <= model_field.max_length, f"{name}: {len(str(value))} > {model_field.max_length}"
    if isinstance(value, str):
        assert "\x00" not in value, f"{name}: NUL cannot be stored in PostgreSQL text"
    if isinstance(model_field, models.DecimalField):
        value = Decimal(value)
        assert value.is_finite(), f"{name}: {value}"
        whole = model_field.max_digits - model_field.decimal_places
        assert abs(value.quantize(Decimal(1).scaleb(-model_field.decimal_places))) < Decimal(10) ** whole, (
            f"{name}: {value} does not fit numeric({model_field.max_digits},{model_field.decimal_places})"
        )
    if integer_range and isinstance(model_field, models.IntegerField) and not isinstance(model_field, models.AutoField):
        low, high = INT_RANGES[model_field.get_internal_type()]
        assert low <= int(value) <= high, f"{name}: {value} is outside {model_field.get_internal_type()}"
    if model_field.choices and not isinstance(value, list | tuple):
        assert str(value) in {str(k) for k, _label in model_field.flatchoices}, f"{name}: {value!r} not a choice"


# Field kind -> hostile values, most specific class first (DecimalField is an IntegerField,
# ModelChoiceField a ChoiceField).
def field_values(form_field: forms.Field) -> st.SearchStrategy[Any]:
    if isinstance(form_field, forms.FileField):
        return st.none()  # files: tests/hostile/test_uploads*.py
    if isinstance(form_field, forms.BooleanField):
        return hostile.booleans()
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return st.lists(hostile.choice_values(_choices(form_field)).filter(_sqlite_can_bind), max_size=4)
    if isinstance(form_field, forms.MultipleChoiceField):
        return st.lists(hostile.choice_values(_choices(form_field)), max_size=4)
    if isinstance(form_field, forms.ChoiceField):
        return hostile.choice_values(_choices(form_field))
    if isinstance(form_field, forms.DecimalField):
        return hostile.amounts()
    if isinstance(form_field, forms.IntegerField):
        return hostile.integers()
    if isinstance(form_field, forms.DateTimeField):
        return hostile.datetimes()
    if isinstance(form_field, forms.DateField):
        return hostile.dates()
    if isinstance(form_field, forms.TimeField):
        return hostile.times()
    if isinstance(form_field, forms.CharField):
        return st.one_of(hostile.hostile_text(), hostile.storable_text(form_field.max_length))
    return hostile.hostile_text()


def _sqlite_can_bind(value: str) -> bool:
    """Django's ModelMultipleChoiceField passes the ids as they are to `pk__in`; SQLite cannot bind
    an integer past 64 bits (OverflowError), PostgreSQL compares it and finds nothing. Production
    runs on PostgreSQL, so only the SQLite runs leave such ids out."""
    if connection.vendor != "sqlite":
        return True
    try:
        return abs(int(value)) < 2**63
    except ValueError:
        return True


def _choices(form_field: forms.ChoiceField) -> list[str]:
    if isinstance(form_field, forms.ModelChoiceField):
        key = form_field.to_field_name or "pk"
        return [str(v) for v in form_field.queryset.values_list(key, flat=True)[:5]]
    return [str(k) for k, _label in form_field.choices if k != ""]


def tame_value(form_field: forms.Field) -> Any:
    """A plain value for the fields not under attack, so the hostile ones reach clean() and beyond."""
    if isinstance(form_field, forms.FileField):
        return None
    if isinstance(form_field, forms.BooleanField):
        return "on"
    if isinstance(form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return _choices(form_field)[:1]
    if isinstance(form_field, forms.ChoiceField):
        return next(iter(_choices(form_field)), "")
    if isinstance(form_field, forms.DecimalField | forms.IntegerField):
        lows = [v.limit_value for v in form_field.validators if isinstance(v, MinValueValidator)]
        return str(max([1, *lows]))
    if isinstance(form_field, forms.DateTimeField):
        return "2025-06-01T08:30"
    if isinstance(form_field, forms.DateField):
        return "2025-06-01"
    if isinstance(form_field, forms.TimeField):
        return "08:30"
    return "正常内容"


@pytest.fixture
def context(org, chair, member):
    """What the forms' constructors need: the chair's units, a member, a congress with a motion and a
    ballot, a report spec with every parameter."""
    session = make_session(org.school)
    d1 = make_delegate(session, org.branch_a, "delegate1", gender="F")
    make_delegate(session, org.branch_b, "delegate2")
    motion = motion_draft(session, d1)
    ballot = congress_services.ballot_create(
        actor=chair, session=session, title="评议", kind="appraisal", secret=True, items=["甲", "乙"]
    )
    Plan.objects.create(org_unit=org.school, year=2025, title="2025年工作计划")
    spec = next(s for s in REPORTS.values() if "account" in s.fields and "period" in s.fields)
    return SimpleNamespace(
        chair=chair,
        member=member.member,
        units=OrgUnit.objects.filter(path__startswith=org.school.path),
        session=session,
        motion=motion,
        motions=session.motions.all(),
        ballot=ballot,
        departments=[org.school_office],
        report_spec=spec,
    )


def test_every_form_class_is_listed():
    """A new form class is fed hostile data too: give it an entry in CASES."""
    found = set(discover_form_classes())
    assert found - set(CASES) == set(), "form classes without a hostile-input case"
    assert set(CASES) - found == set(), "CASES names classes that no longer exist"


def _targets(case: Case, form: forms.BaseForm) -> dict[str, models.Field]:
    """Form field -> the model field its value is saved into."""
    targets = {n: _model_field(t) for n, t in case.targets.items()}
    if isinstance(form, forms.BaseModelForm):
        model_fields = {f.name: f for f in form._meta.model._meta.concrete_fields}
        targets |= {n: model_fields[n] for n in form.fields if n in model_fields}
    return targets


def _largest_allowed(form_field: forms.Field) -> Any:
    limits = [v.limit_value for v in form_field.validators if isinstance(v, MaxValueValidator)]
    return min(limits) if limits else None


def _runs_model_validation(form: forms.BaseForm) -> bool:
    return isinstance(form, forms.BaseModelForm) and type(form)._post_clean is BaseModelForm._post_clean


def assert_limits_fit_the_columns(name: str, case: Case, form: forms.BaseForm) -> None:
    """Each field is at least as strict as its column: max_length, digits, integer range. (Where
    hypothesis would need luck to hit the one bad value among many fields.)"""
    # A ModelForm that keeps Django's _post_clean runs the model's validators, which carry the
    # database's integer ranges.
    model_validation = _runs_model_validation(form)
    for field_name, model_field in _targets(case, form).items():
        form_field = form.fields.get(field_name)
        label = f"{name}.{field_name} -> {model_field.model._meta.label}.{model_field.name}"
        if isinstance(form_field, forms.CharField) and isinstance(model_field, models.CharField):
            assert form_field.max_length is not None, f"{label}: no max_length (column: {model_field.max_length})"
            assert form_field.max_length <= model_field.max_length, label
        if isinstance(form_field, forms.DecimalField) and isinstance(model_field, models.DecimalField):
            assert form_field.max_digits is not None, f"{label}: no max_digits"
            whole = form_field.max_digits - (form_field.decimal_places or 0)
            assert whole <= model_field.max_digits - model_field.decimal_places, label
        if isinstance(form_field, forms.IntegerField) and isinstance(model_field, models.IntegerField):
            if model_validation:
                continue
            low, high = INT_RANGES[model_field.get_internal_type()]
            largest = _largest_allowed(form_field)
            assert largest is not None and largest <= high, f"{label}: accepts up to {largest}, the column {high}"


def _bind(data: dict[str, Any]) -> MultiValueDict:
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items() if v is not None})


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case.build))
@hypothesis_settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_form_refuses_or_accepts_storable_values(name, context, data):
    case = CASES[name]
    unbound = case.build(context, None, None)
    assert_limits_fit_the_columns(name, case, unbound)
    names = sorted(unbound.fields)
    attacked = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=3), label="attacked") if names else ()
    values = {field_name: tame_value(f) for field_name, f in unbound.fields.items()}
    for field_name in sorted(attacked):
        strategy = case.values[field_name] if field_name in case.values else field_values(unbound.fields[field_name])
        values[field_name] = data.draw(strategy, label=field_name)
    form = case.build(context, _bind(values), MultiValueDict())

    valid = form.is_valid()  # anything but a ValidationError escaping is the bug

    if not valid:
        assert form.errors
        return
    cleaned = form.cleaned_data
    # A ModelForm that runs the model's validators checks the test database's integer range:
    # PostgreSQL's in CI, SQLite's 64 bits locally (where the larger value is stored fine).
    sqlite_ranges = connection.vendor == "sqlite" and _runs_model_validation(form)
    for field_name, model_field in _targets(case, form).items():
        if field_name in cleaned and not isinstance(cleaned[field_name], models.Model):
            _assert_fits(model_field, cleaned[field_name], integer_range=not sqlite_ranges)
    if case.check:
        case.check(cleaned)
