"""One world with an object of every kind, at two 基层工会: the personas' school and the hospital.

`build_world()` writes it straight to the database (services where the object needs their side
effects — voucher numbers, attachments on private storage — plain creates elsewhere). Every member
carries a real, valid 18-digit 身份证号 (members.idcard.make_id_number through MemberFactory), so the
scan in test_no_id_numbers.py has something to find if a page leaks one.

The personas (DESIGN.md §1, members.models.Role) all work at the school: a grant at the 基层工会
holds for its whole subtree, so "own" objects sit at the school or one of its 分工会. The plain
member belongs to 高二年级分工会. The hospital side has the same objects and nobody of the school
may see them.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from activities.models import (
    CalendarFeed,
    Event,
    EventStatus,
    GroupMembership,
    GroupPlan,
    InterestGroup,
    Occurrence,
    PolicyRule,
    Schedule,
    SignUp,
    SubEvent,
)
from activities.services.money import default_account
from congress.models import (
    Ballot,
    BallotItem,
    CompilationExport,
    CongressSession,
    CoSigner,
    Delegate,
    Motion,
    MotionReply,
    MotionStatus,
    Suggestion,
)
from finance import services as finance_services
from finance.chart import load_chart
from finance.models import Account, Budget, BudgetLine, BudgetStatus
from finance.services import dues
from members.exports import export_roster_xlsx
from members.idcard import make_id_number
from members.models import ContactCorrection, Member, MembershipChange, OrgUnit, Role, RosterExport, RosterImport
from members.tests.factories import DepartmentFactory, MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory
from plans.models import Item, ScheduleEntry, Section
from plans.tests.builders import build_plan
from union_office.notifications import Channel, Notification, notify
from welfare.models import (
    Attachment,
    Campaign,
    CampaignTier,
    Objection,
    StudentApplication,
    StudentObjection,
    StudentPayment,
    StudentState,
    Visit,
    VisitRule,
)
from welfare.services import aid as aid_services
from welfare.services import hardship as hardship_services
from yearend import services as yearend_services

PDF = b"%PDF-1.4\n%%EOF\n"

# The personas, in the order of the matrix's columns. `None`: no role grant (the implicit member
# role of a login linked to an active Member).
PERSONA_ROLES: dict[str, Role | None] = {
    "member": None,
    "chair": Role.CHAIR,
    "committee": Role.COMMITTEE,
    "treasurer": Role.TREASURER,
    "auditor": Role.AUDITOR,
    "women": Role.WOMEN,
    "motions": Role.MOTIONS,
    "handler": Role.HANDLER,
}


def _login_cookies(user) -> dict[str, str]:
    """The session cookie of a logged-in client for `user`, written once for the whole module."""
    client = Client()
    client.force_login(user)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def _side(name: str, unit: OrgUnit, branch: OrgUnit, builder, today: dt.date) -> SimpleNamespace:
    """The objects of one 基层工会: `unit` itself and its 分工会 `branch`."""
    s = SimpleNamespace(unit=unit, branch=branch)
    s.department = DepartmentFactory(name=f"{name}总务处", org_unit=unit)
    # People with valid ID numbers: an applicant with a login (not a persona), a plain roster entry.
    s.applicant_user = UserFactory(username=f"{name}_applicant", first_name="申请人")
    s.applicant = MemberFactory(name=f"{name}申请人", org_unit=branch, user=s.applicant_user, wage_base=Decimal(5000))
    s.person = MemberFactory(name=f"{name}会员", org_unit=branch, wage_base=Decimal(6000))
    s.leaver = MemberFactory(name=f"{name}退休人", org_unit=branch)
    s.correction = ContactCorrection.objects.create(member=s.applicant, phone="13912345678")
    s.change = MembershipChange.objects.create(
        member=s.leaver, kind="retire", effective_on=today + dt.timedelta(days=30), requested_by=builder
    )
    s.roster_import = RosterImport.objects.create(
        org_unit=unit,
        created_by=builder,
        file=ContentFile(b"PK", name="roster.xlsx"),
        original_name="roster.xlsx",
        status=RosterImport.Status.PREVIEW,
    )

    # Finance: this year's approved budget (payouts need it), next year's waiting for approval.
    year = today.year
    s.budget = Budget.objects.create(org_unit=unit, year=year, status=BudgetStatus.APPROVED)
    for code in ["401", "50101", "50201", "50202"]:
        BudgetLine.objects.create(
            budget=s.budget, account=Account.objects.get(code=code), planned=Decimal(50000), approved=Decimal(50000)
        )
    s.budget_next = Budget.objects.create(org_unit=unit, year=year + 1, status=BudgetStatus.SUBMITTED)
    BudgetLine.objects.create(budget=s.budget_next, account=Account.objects.get(code="50101"), planned=Decimal(1000))
    s.entry = finance_services.book_entry(
        actor=builder, org_unit=unit, date=today, account="401", amount="1200.00", summary="会费收入"
    )
    s.dues = dues.dues_batch_create(actor=builder, org_unit=unit, year=year, month=1)
    s.opening_balance = finance_services.opening_balance_record(
        actor=builder, org_unit=unit, year=year, amount="3000.00"
    )  # recorded, waiting for someone else to confirm it

    # Welfare: a hardship file, an application being screened, one on 公示 with an objection.
    s.hardship = hardship_services.file_open(
        actor=builder,
        member=s.person,
        level="deep",
        causes=["illness"],
        situation="妻子长期透析。",
        monthly_income="4200.00",
        family=[{"name": "王芳", "relation": "妻子", "birth_year": 1980}],
        opened_on=today - dt.timedelta(days=30),
    )
    hardship_services.file_attach(
        actor=builder, file_id=s.hardship.pk, upload=SimpleUploadedFile("诊断证明.pdf", PDF), label="诊断证明"
    )
    s.aid = aid_services.aid_create(
        actor=builder,
        member=s.applicant,
        kind="illness",
        amount_requested="3000.00",
        reason="住院手术。",
        documents=[("诊断证明", SimpleUploadedFile("诊断.pdf", PDF))],
        submit=True,
    )
    s.attachment = Attachment.objects.filter(owner_id=s.aid.pk).latest("pk")
    s.aid_notice = aid_services.aid_create(
        actor=builder, member=s.person, kind="illness", amount_requested="2000.00", reason="大病。", submit=True
    )
    for action, fields in [
        ("screen", {}),
        ("verify", {"visited_on": today, "visitors": "王建国", "findings": "属实"}),
        ("decide", {"amount_granted": "1500.00"}),
        ("publish", {}),
    ]:
        aid_services.aid_transition(actor=builder, application_id=s.aid_notice.pk, action=action, **fields)
    s.objection = Objection.objects.create(application=s.aid_notice, raised_by=s.applicant_user, text="情况不实")
    s.visit = Visit.objects.create(
        member=s.person,
        org_unit=branch,
        kind="illness",
        cause="住院",
        visited_on=today,
        amount=500,
        visitors="王建国",
        created_by=builder,
    )

    # 金秋助学: the campaign of this side, an application on 公示 with an objection, a payment.
    s.campaign = Campaign.objects.create(
        org_unit=unit,
        title=f"{name}金秋助学",
        year=year,
        opens_on=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=20),
        closes_on=today + dt.timedelta(days=40),
        created_by=builder,
    )
    tier = CampaignTier.objects.create(campaign=s.campaign, name="一档", quota=5, amount=Decimal(2000), years=1)
    s.student = StudentApplication(
        campaign=s.campaign,
        member=s.applicant,
        org_unit=branch,
        student_name=f"{name}学生",
        school="河北大学",
        admission="二本",
        reason="家庭困难",
        state=StudentState.NOTICE,
        notice_starts_on=today - dt.timedelta(days=1),
        notice_ends_on=today + dt.timedelta(days=4),
        tier=tier,
        created_by=builder,
    )
    s.student.set_student_id(make_id_number("130534", dt.date(2008, 3, 1), 17 + len(name), "F"))
    s.student.save()
    s.student_objection = StudentObjection.objects.create(application=s.student, raised_by=builder, text="不实")
    s.payment = StudentPayment.objects.create(
        application=s.student, year_index=1, due_year=year, amount=Decimal(2000), status=StudentPayment.Status.READY
    )

    # Activities.
    starts = timezone.now() + dt.timedelta(days=7)
    s.event = Event.objects.create(
        org_unit=unit,
        title=f"{name}乒乓球赛",
        kind=Event.Kind.CONTEST,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        status=EventStatus.OPEN,
        place="体育馆",
        account=default_account(Event.Kind.CONTEST),
    )
    s.sub_event = SubEvent.objects.create(event=s.event, name="男子单打")
    s.signup = SignUp.objects.create(
        event=s.event, member=s.person, status=SignUp.Status.SIGNED_UP, queued_at=timezone.now(), created_by=builder
    )
    s.schedule = Schedule.objects.create(
        org_unit=unit,
        title=f"{name}全员健身",
        recurrence=Schedule.Recurrence.WEEKLY,
        weekday=4,
        start_time=dt.time(14),
        end_time=dt.time(17),
        starts_on=today - dt.timedelta(days=60),
    )
    s.occurrence = Occurrence.objects.create(
        schedule=s.schedule,
        date=today,
        starts_at=timezone.now() + dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    s.group = InterestGroup.objects.create(name=f"{name}书法小组", org_unit=unit, leader=s.person)
    GroupMembership.objects.create(group=s.group, member=s.person, joined_on=today)
    s.group_plan = GroupPlan.objects.create(
        group=s.group, year=year, content="临帖", budget_requested=Decimal(1000), status=GroupPlan.Status.SUBMITTED
    )
    s.policy = PolicyRule.objects.create(
        org_unit=unit, event_kind=Event.Kind.RETREAT, rule=PolicyRule.Kind.MAX_DAYS, limit=Decimal(2)
    )
    s.visit_rule = VisitRule.objects.create(org_unit=unit, kind="illness", max_per_visit=Decimal(1000))

    # Congress: a session with delegates, a motion handed to this side's 总务处 and answered.
    s.session = CongressSession.objects.create(
        org_unit=unit,
        term=2,
        meeting=1,
        year=year,
        motions_open_on=today - dt.timedelta(days=10),
        motions_close_on=today + dt.timedelta(days=10),
        min_cosigners=1,
        reply_due_on=today + dt.timedelta(days=60),
    )
    s.delegate = Delegate.objects.create(
        session=s.session, member=s.applicant, group="第一代表团", category="frontline", gender=s.applicant.gender
    )
    s.cosigner = Delegate.objects.create(
        session=s.session, member=s.person, group="第一代表团", category="frontline", gender=s.person.gender
    )
    now = timezone.now()
    s.motion = Motion.objects.create(
        session=s.session,
        proposer=s.delegate,
        title="改善食堂就餐条件",
        category="life",
        reason="排队时间长。",
        proposal="增加窗口。",
        status=MotionStatus.ASSIGNED,
        submitted_at=now,
        number=1,
        lead_department=s.department,
        due_on=today + dt.timedelta(days=30),
        attachment=ContentFile(PDF, name="motion.pdf"),
        attachment_name="附件.pdf",
    )
    CoSigner.objects.create(motion=s.motion, delegate=s.cosigner, confirmed_at=now)
    s.reply = MotionReply.objects.create(
        motion=s.motion,
        department=s.department,
        author=builder,
        text="已增加窗口。",
        attachment=ContentFile(PDF, name="reply.pdf"),
        attachment_name="答复.pdf",
    )
    s.suggestion = Suggestion.objects.create(session=s.session, author=s.person, title="更换饮水机", content="太旧")
    s.ballot = Ballot.objects.create(session=s.session, title="表决工作报告")
    BallotItem.objects.create(ballot=s.ballot, label="工作报告")
    s.compilation = CompilationExport.objects.create(
        session=s.session, created_by=builder, status=CompilationExport.Status.DONE, file=ContentFile(PDF, name="c.pdf")
    )

    # Plans: a draft with sections, items and a schedule.
    s.plan = build_plan(unit, year=year, title=f"{name}{year}年工作计划")
    s.section = Section.objects.filter(plan=s.plan).order_by("pk").last()
    s.item = Item.objects.filter(section__plan=s.plan).order_by("pk").first()
    s.schedule_entry = ScheduleEntry.objects.filter(plan=s.plan).first()
    # Year-end: a drafted summary of the year.
    s.summary = yearend_services.summary_draft(actor=builder, org_unit=unit, year=year)
    s.summary_section = s.summary.sections.order_by("pk").first()
    return s


def build_world(media_root) -> SimpleNamespace:
    """County → school (分工会 A, B) and hospital (内科分工会); personas at the school."""
    today = timezone.localdate()
    load_chart(Account)
    county = OrgUnitFactory(name="县总工会", kind=OrgUnit.Kind.UPPER)
    school = OrgUnitFactory(name="第一中学工会", kind=OrgUnit.Kind.BASE, parent=county)
    branch_a = OrgUnitFactory(name="高一年级分工会", kind=OrgUnit.Kind.BRANCH, parent=school)
    branch_b = OrgUnitFactory(name="高二年级分工会", kind=OrgUnit.Kind.BRANCH, parent=school)
    hospital = OrgUnitFactory(name="人民医院工会", kind=OrgUnit.Kind.BASE, parent=county)
    ward = OrgUnitFactory(name="内科分工会", kind=OrgUnit.Kind.BRANCH, parent=hospital)
    builder = UserFactory(username="builder", is_superuser=True, is_staff=True)

    own = _side("school", school, branch_a, builder, today)
    other = _side("hospital", hospital, ward, builder, today)

    users = {}
    for name, role in PERSONA_ROLES.items():
        user = UserFactory(username=name, first_name=name)
        MemberFactory(name=name, org_unit=branch_b if role is None else school, user=user)
        if role is not None:
            department = own.department if role == Role.HANDLER else None
            RoleGrantFactory(user=user, org_unit=school, role=role, department=department)
        users[name] = user
    # The chair and the women's committee member are delegates of the school's congress (they may
    # propose motions); the plain member is not (a member suggests, a delegate proposes).
    for name in ("chair", "women"):
        member = users[name].member
        Delegate.objects.create(
            session=own.session, member=member, group="第二代表团", category="frontline", gender=member.gender
        )
    other.persona = UserFactory(username="hospital_chair")
    MemberFactory(name="医院主席", org_unit=hospital, user=other.persona)
    RoleGrantFactory(user=other.persona, org_unit=hospital, role=Role.CHAIR)

    # Per-user objects: each persona has a notification and a calendar feed; the chair an export.
    notifications, feeds = {}, {}
    for name, user in [*users.items(), ("hospital_chair", other.persona)]:
        notify(kind="welfare.hardship_recheck", recipient=user, subject="档案复核", url="/", channels=[Channel.INAPP])
        notifications[name] = Notification.objects.filter(recipient=user).latest("pk")
        feeds[name] = CalendarFeed.objects.create(user=user)
    # Members who are not personas: more ID numbers a page must never show in full.
    for unit in (branch_a, branch_b, ward):
        MemberFactory.create_batch(3, org_unit=unit)
    # Finished roster exports (the chair's and the hospital chair's), written by the real exporter.
    for side, creator in [(own, users["chair"]), (other, other.persona)]:
        data = export_roster_xlsx(
            user=creator,
            queryset=Member.objects.filter(org_unit__path__startswith=side.unit.path),
            full_id_numbers=False,
        )
        side.export = RosterExport.objects.create(
            created_by=creator, status=RosterExport.Status.DONE, file=ContentFile(data, name="roster.xlsx")
        )

    # Every full number of the world, for the scans (test_no_id_numbers.py, the matrix's bodies).
    id_numbers = {member.id_number for member in Member.objects.all()}
    id_numbers |= {application.student_id for application in StudentApplication.objects.all()}
    return SimpleNamespace(
        id_numbers=id_numbers,
        today=today,
        county=county,
        school=school,
        hospital=hospital,
        builder=builder,
        users=users,
        cookies={name: _login_cookies(user) for name, user in users.items()},
        notifications=notifications,
        feeds=feeds,
        own=own,
        other=other,
        media_root=media_root,
    )
