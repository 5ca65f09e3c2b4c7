"""A request that fails half-way leaves nothing half-written (issue 9 item 4).

ATOMIC_REQUESTS is off: each service runs its writes in one transaction.atomic() (STYLE.md), and
the views call one service per request. Here the last step of each multi-write action is made to
fail after it has written (then_fail), through the view: the user gets the 500 page ("nothing was
half-saved"), and every row the action had written is gone, down to voucher and motion numbers,
which are handed out again without a gap. The roster import commits in Celery: its failure is a
message on the import's page instead, and nothing of the file is on the roster.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import SignUp, SignUpStatus
from activities.services import signups as signup_services
from activities.tests.builders import build_event, person
from congress import services as congress_services
from congress.models import MotionStatus
from congress.services import motions as motion_services
from congress.tests.builders import motion_submitted
from congress.tests.builders import world as congress  # noqa: F401  (the congress fixture)
from finance.models import LedgerEntry
from finance.tests.builders import approved_budget
from members import membership
from members.imports import services as import_services
from members.membership import services as membership_services
from members.models import Member, MembershipChange, RosterImport
from members.tests.factories import MemberFactory
from members.tests.test_imports import csv_file, row
from plans import services as plan_services
from plans.models import PlanStatus
from plans.tests.builders import build_plan
from union_office import workflow as union_workflow
from union_office.jobs import JobStatus
from union_office.models import AuditEntry
from union_office.notifications import Notification, Reminder
from welfare.models import AidApplication, AidState
from welfare.services import aid as aid_services
from welfare.tests.conftest import advance, end_notice

from .conftest import Injected, then_fail

pytestmark = pytest.mark.django_db

HALF_SAVED = "没有保存任何半截数据"


@pytest.fixture
def failing_client(client):
    """The test client as the browser sees the server: an exception is the 500 page."""
    client.raise_request_exception = False
    return client


def _is_500_page(response) -> bool:
    return response.status_code == 500 and HALF_SAVED in response.content.decode()


def test_membership_approval(failing_client, chair, org, monkeypatch):
    member = MemberFactory(org_unit=org.branch_b)
    change = membership.membership_request(
        actor=chair, member=member, kind=membership.Kind.RETIRE, effective_on=timezone.localdate()
    )
    audits = AuditEntry.objects.count()
    monkeypatch.setattr(membership_services, "audit_record", then_fail(membership_services.audit_record))

    failing_client.force_login(chair)
    response = failing_client.post(reverse("members:change_approve", args=[change.pk]), {"note": "同意"})

    assert _is_500_page(response)
    member.refresh_from_db()
    change.refresh_from_db()
    assert member.status == Member.Status.ACTIVE  # written first, rolled back
    assert change.state == MembershipChange.State.PENDING and change.decided_by is None
    assert AuditEntry.objects.count() == audits


def test_welfare_aid_payout(failing_client, chair, treasurer, member, org, settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    approved_budget(org.school, timezone.localdate().year, {"50201": "50000.00"})
    application = aid_services.aid_create(
        actor=member, member=member.member, kind="illness", amount_requested="5000", reason="住院"
    )
    application = end_notice(advance(application, "notice", chair=chair))
    # The step's audit entry is written after the payout is booked: a failure there undoes both.
    monkeypatch.setattr(union_workflow, "audit_record", then_fail(union_workflow.audit_record))

    failing_client.force_login(treasurer)
    response = failing_client.post(reverse("welfare:aid_act", args=[application.pk, "pay"]))

    assert _is_500_page(response)
    application.refresh_from_db()
    assert application.state == AidState.NOTICE and application.paid_at is None
    assert application.ledger_entry is None
    assert not LedgerEntry.objects.exists()  # the payout was booked, then rolled back
    assert not Notification.objects.filter(recipient=member, subject__contains="已发放").exists()
    # The voucher number came back with the rollback: the next payout gets the first one.
    monkeypatch.undo()
    application = aid_services.aid_transition(actor=treasurer, application_id=application.pk, action="pay")
    assert application.state == AidState.PAID
    assert LedgerEntry.objects.get().voucher_number == 1
    assert AidApplication.objects.get().ledger_entry is not None


def test_cancelling_a_sign_up_with_waitlist_promotion(failing_client, org, monkeypatch):
    event = build_event(org.school, capacity=1)
    leaving, waiting = person(org.branch_b, name="甲"), person(org.branch_b, name="乙")
    first = signup_services.signup_create(actor=leaving.user, event_id=event.pk)
    second = signup_services.signup_create(actor=waiting.user, event_id=event.pk)
    assert (first.status, second.status) == (SignUpStatus.SIGNED_UP, SignUpStatus.WAITLISTED)
    audits, reminders = AuditEntry.objects.count(), Reminder.objects.count()
    schedule = signup_services.schedule_signup_reminders

    def fail_once_promoted(signup, *, promoted=False):
        schedule(signup, promoted=promoted)
        if promoted:
            raise Injected("after the promotion")

    monkeypatch.setattr(signup_services, "schedule_signup_reminders", fail_once_promoted)
    failing_client.force_login(leaving.user)
    response = failing_client.post(reverse("activities:cancel", args=[event.pk]))

    assert _is_500_page(response)
    statuses = dict(SignUp.objects.values_list("member__name", "status"))
    assert statuses == {"甲": SignUpStatus.SIGNED_UP, "乙": SignUpStatus.WAITLISTED}
    assert AuditEntry.objects.count() == audits
    assert Reminder.objects.count() == reminders  # the promoted one's reminder is gone again
    assert not Notification.objects.filter(recipient=waiting.user).exists()


def test_motion_registration(failing_client, congress, monkeypatch):  # noqa: F811
    motion = motion_submitted(congress.session, congress.d1, [congress.d2, congress.d3])
    congress_services.motion_move(actor=congress.motions, motion_id=motion.pk, action="review")
    audits = AuditEntry.objects.count()
    monkeypatch.setattr(motion_services, "audit_record", then_fail(motion_services.audit_record))

    failing_client.force_login(congress.motions)
    response = failing_client.post(reverse("congress:motion_act", args=[motion.pk, "register"]))

    assert _is_500_page(response)
    motion.refresh_from_db()
    congress.session.refresh_from_db()
    assert motion.status == MotionStatus.REVIEWING and motion.number is None
    assert congress.session.last_motion_number == 0  # the counter was incremented, then rolled back
    assert AuditEntry.objects.count() == audits
    monkeypatch.undo()
    assert congress_services.motion_register(actor=congress.motions, motion_id=motion.pk).number == 1


def test_plan_approval(failing_client, chair, org, monkeypatch):
    plan = build_plan(org.school, status=PlanStatus.REVIEW)
    revision, audits = plan.revision, AuditEntry.objects.count()
    reminders = plan_services.reminders
    monkeypatch.setattr(reminders, "plan_reminders_sync", then_fail(reminders.plan_reminders_sync))
    # Reminders are rows written in the same transaction: the rollback takes them too.

    failing_client.force_login(chair)
    response = failing_client.post(reverse("plans:transition", args=[plan.pk, "approve"]))

    assert _is_500_page(response)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW and plan.approved_at is None and plan.revision == revision
    assert AuditEntry.objects.count() == audits
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    plan = plan_services.plan_transition(actor=chair, plan_id=plan.pk, action="approve")
    assert plan.status == PlanStatus.APPROVED and plan.revision == revision + 1


def test_import_commit(client, committee, org, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import_new"), {"org_unit": org.branch_a.pk, "file": csv_file([row(1), row(2)])})
    roster_import = RosterImport.objects.get()
    assert roster_import.status == JobStatus.PREVIEW and roster_import.new_count == 2
    audits = AuditEntry.objects.count()
    monkeypatch.setattr(import_services, "audit_record", then_fail(import_services.audit_record))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:import_commit", args=[roster_import.pk]))

    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == JobStatus.FAILED and "未导入任何数据" in roster_import.message
    assert not Member.objects.filter(name__startswith="导入").exists()  # both rows were written, then rolled back
    assert AuditEntry.objects.count() == audits
    page = client.get(reverse("members:import_detail", args=[roster_import.pk])).content.decode()
    assert "未导入任何数据" in page
